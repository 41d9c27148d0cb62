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

    /// The whole report, as printed.
    public func lines(secret: WebhookSecret?, keys: [String: _RSA.Signing.PublicKey]?, now: Date) -> [String] {
        var lines = ["\(method) \(target)  (\(body.count) bytes)"]
        lines.append("  Standard Webhooks: \(standardWebhooks(secret: secret, now: now))")
        lines.append("  Signature:         \(classicSignature(keys: keys))")
        lines.append("  headers:")
        lines += headers.map { "    \($0.name): \($0.value)" }
        lines.append("  body:")
        lines += decodedBody.map { "    " + $0 }
        return lines
    }
}
