import Crypto
import Foundation
import HTTPTypes
import RicochetCore
import _CryptoExtras

/// What `ricochet listen` prints for one incoming call: the request, whether
/// each signature verifies, and the body decoded.
public struct CallReport: Sendable {
    public let method: String
    public let target: String
    public let authority: String
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public init(
        method: String, target: String, authority: String, headers: [(name: String, value: String)], body: [UInt8]
    ) {
        self.method = method
        self.target = target
        self.authority = authority
        self.headers = headers
        self.body = body
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The Standard Webhooks verdict, in words.
    public func standardWebhooks(secret: WebhookSecret?, now: Date) -> String {
        guard let secret else { return "not checked (no --secret)" }
        switch StandardWebhooks.verify(
            secret: secret, id: header("webhook-id"), timestamp: header("webhook-timestamp"),
            signatures: header("webhook-signature"), body: body, now: now)
        {
        case .valid: return "valid"
        case .noSignatureMatches: return "INVALID: no signature matches this secret"
        case .timestampOutOfTolerance: return "INVALID: the timestamp is more than 5 minutes off"
        case .malformed(let reason): return "INVALID: \(reason)"
        }
    }

    /// The `v1a` verdict, with the loop's public key (`whpk_…`).
    public func standardWebhooksEd25519(publicKey: Curve25519.Signing.PublicKey?) -> String {
        guard let publicKey else { return "not checked (no --public-key)" }
        return StandardWebhooks.verifyAsymmetric(
            publicKey: publicKey, id: header("webhook-id") ?? "", timestamp: header("webhook-timestamp") ?? "",
            signatures: header("webhook-signature") ?? "", body: body) ? "valid" : "INVALID: no v1a signature matches"
    }

    /// The HTTP Message Signature (RFC 9421) verdict, with the installation's
    /// Ed25519 keys by id; the URL is taken to be `http://` and the Host the
    /// call came with, as `ricochet listen` is reached.
    public func messageSignature(keys: [String: Curve25519.Signing.PublicKey]?, now: Date) -> String {
        guard let keys else { return "not checked (no --keys-url)" }
        let request = HTTPMessageSignature.Request(
            method: method, targetURI: "http://\(authority)\(target)", headers: headers)
        let keyID = HTTPMessageSignature.keyID(of: request) ?? "(none)"
        do {
            try HTTPMessageSignature.verify(request, body: body, keys: keys, now: now)
            return "valid (keyid \(keyID))"
        } catch {
            return "INVALID: \(Self.describe(error))"
        }
    }

    static func describe(_ failure: HTTPMessageSignature.Failure) -> String {
        switch failure {
        case .missingComponent(let name): "it does not cover \(name), or the request lacks it"
        case .malformed(let what): "malformed: \(what)"
        case .unknownKey(let id): "unknown keyid \(id)"
        case .wrongAlgorithm(let algorithm): "algorithm \(algorithm), not ed25519"
        case .createdOutOfTolerance: "created is more than 5 minutes off"
        case .digestMismatch: "Content-Digest is not the body's"
        case .signatureMismatch: "the signature does not match"
        }
    }

    /// The classic Signature verdict, with the keys by id.
    public func classicSignature(keys: [String: _RSA.Signing.PublicKey]?) -> String {
        guard let signature = header("Signature") else { return "INVALID: no Signature header" }
        guard let keys else { return "not checked (no --keys-url)" }
        let keyID = signature.split(separator: ",").first { $0.hasPrefix("keyId=") }
            .map { $0.dropFirst(6).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        guard let keyID, let key = keys[keyID] else { return "INVALID: unknown keyId \(keyID ?? "(none)")" }
        let request = FeedbackSignature.Request(
            method: method, target: target, host: authority, date: header("Date") ?? "",
            contentType: header("Content-Type") ?? "", contentLength: body.count,
            account: header("X-Ricochet-Account") ?? "", digest: header("Digest") ?? "", nonce: header("X-Nonce") ?? "")
        return FeedbackSignature.verify(signatureHeader: signature, request: request, body: body, publicKey: key)
            ? "valid (keyId \(keyID))" : "INVALID: the signature does not match (keyId \(keyID))"
    }

    /// The body decoded: form fields one per line, JSON pretty-printed, else as text.
    public var decodedBody: [String] {
        let contentType = header("Content-Type") ?? ""
        let text = String(decoding: body, as: UTF8.self)
        if contentType.hasPrefix("application/x-www-form-urlencoded") {
            return text.split(separator: "&").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1).map {
                    $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
                }
                return "\(parts[0]) = \(parts.count > 1 ? parts[1] : "")"
            }
        }
        if contentType.hasPrefix("application/json"),
            let object = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]),
            let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        {
            return String(decoding: pretty, as: UTF8.self).components(separatedBy: "\n")
        }
        return text.isEmpty ? [] : text.components(separatedBy: "\n")
    }

    /// The whole report, as printed: a verdict for each scheme the call is signed with.
    public func lines(
        secret: WebhookSecret?, keys: PublishedKeys?, publicKey: Curve25519.Signing.PublicKey? = nil, now: Date
    ) -> [String] {
        var lines = ["\(method) \(target)  (\(body.count) bytes)"]
        let signatures = (header("webhook-signature") ?? "").split(separator: " ")
        if signatures.contains(where: { $0.hasPrefix("v1,") }) || signatures.isEmpty {
            lines.append("  Standard Webhooks: \(standardWebhooks(secret: secret, now: now))")
        }
        if signatures.contains(where: { $0.hasPrefix("v1a,") }) {
            lines.append("  Standard Webhooks v1a: \(standardWebhooksEd25519(publicKey: publicKey))")
        }
        if header("Signature-Input") != nil {
            lines.append("  RFC 9421:          \(messageSignature(keys: keys?.ed25519, now: now))")
        } else if header("Signature") != nil {
            lines.append("  Signature:         \(classicSignature(keys: keys?.rsa))")
        }
        lines.append("  headers:")
        lines += headers.map { "    \($0.name): \($0.value)" }
        lines.append("  body:")
        lines += decodedBody.map { "    " + $0 }
        return lines
    }
}
