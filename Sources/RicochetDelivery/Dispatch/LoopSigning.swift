import Crypto
import Foundation
import RicochetCore

/// What signs a loop's requests, by the schemes of its ``FeedbackLoop/signing``:
/// its Standard Webhooks secrets, its own Ed25519 key (`v1a`), and the
/// installation's keys (Ed25519 for HTTP Message Signatures, RSA for the
/// classic signature). Every request to a loop — deliveries, test calls,
/// checks — carries every signature of its set.
public struct LoopSigning: Sendable {
    public let secrets: [WebhookSecret]
    /// The installation's RSA key; nil only before the installation has one.
    public let key: InstallationKey?
    /// The installation's Ed25519 key; nil only before the installation has one.
    public let messageKey: InstallationEd25519Key?
    /// The loop's Ed25519 key, when it signs `v1a` too.
    public let ed25519: Curve25519.Signing.PrivateKey?

    public init(
        secrets: [WebhookSecret], key: InstallationKey?, messageKey: InstallationEd25519Key? = nil,
        ed25519Key: [UInt8]? = nil
    ) {
        self.secrets = secrets
        self.key = key
        self.messageKey = messageKey
        ed25519 = ed25519Key.flatMap { try? Curve25519.Signing.PrivateKey(rawRepresentation: $0) }
    }

    public init(secrets: [WebhookSecret], keys: InstallationKeys, ed25519Key: [UInt8]?) {
        self.init(secrets: secrets, key: keys.rsa, messageKey: keys.ed25519, ed25519Key: ed25519Key)
    }

    /// The headers of a POST of `body` to `loop`. Should a signature ever
    /// fail to be made, the request goes without it — which receivers
    /// refuse — rather than with a wrong one.
    public func headers(
        for loop: FeedbackLoop, webhookID: String, body: [UInt8], contentType: String, now: Date, userAgent: String
    ) -> [(name: String, value: String)] {
        let timestamp = EventTimestamp.time(now)
        var headers: [(name: String, value: String)] = [
            ("Content-Type", contentType), ("User-Agent", userAgent), (StandardWebhooks.idHeader, webhookID),
            (StandardWebhooks.timestampHeader, String(timestamp)),
        ]
        var signatures: [String] = []
        if loop.signing.contains(.standardWebhooks), !secrets.isEmpty {
            signatures.append(
                StandardWebhooks.signatures(secrets: secrets, id: webhookID, timestamp: timestamp, body: body))
        }
        if loop.signing.contains(.standardWebhooksEd25519), let ed25519,
            let signature = StandardWebhooks.asymmetricSignature(
                key: ed25519, id: webhookID, timestamp: timestamp, body: body)
        {
            signatures.append(signature)
        }
        if !signatures.isEmpty {
            headers.append((StandardWebhooks.signatureHeader, signatures.joined(separator: " ")))
        }
        if loop.signing.contains(.httpMessageSignatures), let messageKey {
            headers.append(("Content-Digest", HTTPMessageSignature.contentDigest(body)))
            let request = HTTPMessageSignature.Request(
                method: "POST", targetURI: loop.url.absoluteString, headers: headers)
            if let (input, signature) = try? HTTPMessageSignature.sign(
                request, key: messageKey.privateKey, keyID: messageKey.id, created: Int64(now.timeIntervalSince1970))
            {
                headers += [("Signature-Input", input), ("Signature", signature)]
            }
        }
        if loop.signing.contains(.classicRSA), let key,
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
