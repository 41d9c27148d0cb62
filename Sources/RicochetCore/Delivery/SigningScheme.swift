/// A way a loop's requests are signed; a loop has a set of them, and each
/// request carries every one in the set.
public enum SigningScheme: String, CaseIterable, Sendable, Codable, Comparable {
    /// Standard Webhooks, HMAC-SHA256 with the loop's secret: `webhook-signature: v1,…`.
    case standardWebhooks = "standard-webhooks"
    /// Standard Webhooks' asymmetric form, with the loop's own Ed25519 key: `v1a,…`.
    case standardWebhooksEd25519 = "standard-webhooks-ed25519"
    /// RFC 9421 `Signature-Input`/`Signature` with the installation's Ed25519
    /// key (published in the key set), over the method, URL, `Content-Digest`
    /// (RFC 9530), content type and `webhook-id`.
    case httpMessageSignatures = "http-message-signatures"
    /// The classic feedback-loop signature: draft-cavage `Signature` with
    /// rsa-sha256 by the installation's RSA key, `Digest`, `X-Nonce`,
    /// `X-Ricochet-Account`.
    case classicRSA = "classic-rsa"

    /// What a new loop signs with unless told otherwise.
    public static let newLoopDefault: Set<SigningScheme> = [.standardWebhooks, .httpMessageSignatures]
    /// What loops made before schemes could be chosen sign with (the migration sets it).
    public static let classicDefault: Set<SigningScheme> = [.standardWebhooks, .classicRSA]

    public static func < (lhs: SigningScheme, rhs: SigningScheme) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The accepted names, for error messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// A stored set (`a,b`); nil when a name is unknown or the set is empty.
    public static func set(stored text: String) -> Set<SigningScheme>? {
        let schemes = text.split(separator: ",").map { SigningScheme(rawValue: String($0)) }
        guard !schemes.isEmpty, !schemes.contains(nil) else { return nil }
        return Set(schemes.compactMap { $0 })
    }

    /// A set as stored: its names in their documented order, comma-separated.
    public static func stored(_ schemes: Set<SigningScheme>) -> String {
        schemes.sorted().map(\.rawValue).joined(separator: ",")
    }
}
