import Crypto
import Foundation

/// Signatures of the Standard Webhooks specification: the `webhook-id`,
/// `webhook-timestamp` and `webhook-signature` headers, the signature being
/// `v1,` and the base64 of HMAC-SHA256(secret, "id.timestamp.body").
/// Several signatures (during a secret rotation) are separated by spaces.
public enum StandardWebhooks {
    public static let idHeader = "webhook-id"
    public static let timestampHeader = "webhook-timestamp"
    public static let signatureHeader = "webhook-signature"

    /// How far a timestamp may be from the receiver's clock, as the reference
    /// libraries check it.
    public static let tolerance: TimeInterval = 5 * 60

    public static func signature(secret: WebhookSecret, id: String, timestamp: Int64, body: [UInt8]) -> String {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: secret.key))
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }

    /// The asymmetric signature of the specification: `v1a,` and the base64
    /// of the Ed25519 signature of "id.timestamp.body".
    public static func asymmetricSignature(
        key: Curve25519.Signing.PrivateKey, id: String, timestamp: Int64, body: [UInt8]
    ) -> String? {
        guard let signature = try? key.signature(for: Array("\(id).\(timestamp).".utf8) + body) else { return nil }
        return "v1a," + signature.base64EncodedString()
    }

    /// `whpk_` and the base64 of the raw 32-byte Ed25519 public key, as the
    /// specification writes public keys.
    public static func publicKeyText(_ key: Curve25519.Signing.PublicKey) -> String {
        "whpk_" + key.rawRepresentation.base64EncodedString()
    }

    /// Whether one of the `v1a` signatures is `key`'s over this message.
    public static func verifyAsymmetric(
        publicKey: Curve25519.Signing.PublicKey, id: String, timestamp: String, signatures: String, body: [UInt8]
    ) -> Bool {
        let message = Array("\(id).\(timestamp).".utf8) + body
        return signatures.split(separator: " ").contains { candidate in
            guard candidate.hasPrefix("v1a,"), let raw = Data(base64Encoded: String(candidate.dropFirst(4))) else {
                return false
            }
            return publicKey.isValidSignature(raw, for: message)
        }
    }

    /// The value of `webhook-signature` for the loop's current secrets.
    public static func signatures(secrets: [WebhookSecret], id: String, timestamp: Int64, body: [UInt8]) -> String {
        secrets.map { signature(secret: $0, id: id, timestamp: timestamp, body: body) }.joined(separator: " ")
    }

    public enum Verdict: Equatable, Sendable {
        case valid
        case noSignatureMatches
        case timestampOutOfTolerance
        case malformed(String)
    }

    /// What a receiver checks: the timestamp is near `now` and one of the
    /// `v1` signatures matches (compared in constant time).
    public static func verify(
        secret: WebhookSecret, id: String?, timestamp: String?, signatures: String?, body: [UInt8], now: Date
    ) -> Verdict {
        guard let id, !id.isEmpty else { return .malformed("no \(idHeader) header") }
        guard let timestamp, let seconds = Int64(timestamp) else {
            return .malformed("no numeric \(timestampHeader) header")
        }
        guard let signatures, !signatures.isEmpty else { return .malformed("no \(signatureHeader) header") }
        guard abs(now.timeIntervalSince1970 - Double(seconds)) <= tolerance else { return .timestampOutOfTolerance }
        let expected = Array(signature(secret: secret, id: id, timestamp: seconds, body: body).utf8)
        for candidate in signatures.split(separator: " ") where candidate.hasPrefix("v1,") {
            if ConstantTime.equal(Array(candidate.utf8), expected) { return .valid }
        }
        return .noSignatureMatches
    }
}
