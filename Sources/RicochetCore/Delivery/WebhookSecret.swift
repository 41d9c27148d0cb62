import Foundation

/// A loop's signing secret for Standard Webhooks: `whsec_` and the base64 of
/// the key bytes. Shown to the user once, at creation or rotation.
public struct WebhookSecret: Sendable, Equatable {
    public static let prefix = "whsec_"
    /// 32 bytes: as strong as the HMAC-SHA256 it keys.
    public static let keyLength = 32

    public let key: [UInt8]

    public init(key: [UInt8]) {
        self.key = key
    }

    public static func generate() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        return WebhookSecret(key: (0..<keyLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// Reads `whsec_<base64>` (the prefix may be left out, as the reference
    /// libraries allow). Nil for anything else or an empty key.
    public init?(_ text: String) {
        let encoded = text.hasPrefix(Self.prefix) ? String(text.dropFirst(Self.prefix.count)) : text
        guard let data = Data(base64Encoded: encoded), !data.isEmpty else { return nil }
        key = [UInt8](data)
    }

    public var description: String {
        Self.prefix + Data(key).base64EncodedString()
    }
}
