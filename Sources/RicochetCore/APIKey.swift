import Crypto
import Foundation

/// A secret that authenticates API calls for one account.
///
/// Only the SHA-256 of a key is stored. Keys carry 190 bits of randomness, so a
/// fast hash is enough: there is nothing to brute-force.
public struct APIKey: Sendable, Equatable {
    public static let prefix = "rk_"

    /// The key as the user sees it, shown once.
    public let secret: String

    public init(secret: String) {
        self.secret = secret
    }

    public static func generate() -> APIKey {
        APIKey(secret: prefix + RandomToken.base62(length: 32))
    }

    /// What the store keeps and looks keys up by.
    public var hash: String {
        Self.hash(of: secret)
    }

    /// The first characters, safe to show in lists to tell keys apart.
    public var hint: String {
        String(secret.prefix(Self.prefix.count + 6))
    }

    public static func hash(of secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
