import Crypto
import Foundation
import RicochetCore

/// What signs a loop's requests: its current Standard Webhooks secrets and
/// the installation's RSA key. Every request to a loop — deliveries, test
/// calls, checks — carries both signatures.
public struct LoopSigning: Sendable {
    public let secrets: [WebhookSecret]
    /// Nil only before the installation has a key.
    public let key: InstallationKey?
    /// The loop's Ed25519 key, when it asked for `v1a` signatures too.
    public let ed25519: Curve25519.Signing.PrivateKey?

    public init(secrets: [WebhookSecret], key: InstallationKey?, ed25519Key: [UInt8]? = nil) {
        self.secrets = secrets
        self.key = key
        ed25519 = ed25519Key.flatMap { try? Curve25519.Signing.PrivateKey(rawRepresentation: $0) }
    }

    /// The headers of a POST of `body` to `loop`. Should RSA signing ever
    /// fail, the request goes without that signature — which receivers
    /// refuse — rather than with a wrong one.
    public func headers(
        for loop: FeedbackLoop, webhookID: String, body: [UInt8], contentType: String, now: Date, userAgent: String
    ) -> [(name: String, value: String)] {
        let timestamp = EventTimestamp.time(now)
        var headers: [(name: String, value: String)] = [
            ("Content-Type", contentType), ("User-Agent", userAgent), (StandardWebhooks.idHeader, webhookID),
            (StandardWebhooks.timestampHeader, String(timestamp)),
        ]
        var signatures =
            secrets.isEmpty
            ? [] : [StandardWebhooks.signatures(secrets: secrets, id: webhookID, timestamp: timestamp, body: body)]
        if let ed25519,
            let signature = StandardWebhooks.asymmetricSignature(
                key: ed25519, id: webhookID, timestamp: timestamp, body: body)
        {
            signatures.append(signature)
        }
        if !signatures.isEmpty {
            headers.append((StandardWebhooks.signatureHeader, signatures.joined(separator: " ")))
        }
        if let key,
            let signed = try? FeedbackSignature.headers(
                url: loop.url, body: body, contentType: contentType, account: loop.accountID, key: key, date: now,
                nonce: RandomToken.base62(length: 24))
        {
            headers += signed
        }
        return headers
    }

    /// The content type of a delivery in `format`.
    public static func contentType(_ format: PayloadFormat) -> String {
        format.contentType + (format == .json ? "; charset=utf-8" : "")
    }
}
