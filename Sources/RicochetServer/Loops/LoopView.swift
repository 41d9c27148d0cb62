import Crypto
import Foundation
import Hummingbird
import RicochetCore

/// A feedback loop as the API shows it.
struct LoopView: ResponseEncodable {
    struct Validation: Encodable {
        let filename: String
        let content: String
        /// Where the file is looked for, in order.
        let urls: [String]
        /// Where to download it from this API.
        let download: String
    }

    let id: String
    let url: String
    let events: [String]
    let format: String
    let description: String
    let status: String
    let validation: Validation
    let validatedAt: Date?
    let createdAt: Date
    let updatedAt: Date
    let delivery: DeliverySettings
    /// Whether events are queued for it: validated and not disabled.
    let active: Bool
    let disabled: Disabled?
    let lastSuccessAt: Date?
    let failingSince: Date?
    /// Only in the answer that creates the loop.
    let secret: String?
    /// The public key of the `v1a` signatures (`whpk_…`), when the loop has them.
    let ed25519PublicKey: String?
    /// The signature schemes every request carries.
    let signing: [String]

    struct Disabled: Encodable {
        let at: Date
        let reason: String
    }

    enum CodingKeys: String, CodingKey {
        case id, url, events, format, description, status, validation, delivery, active, disabled, secret, signing
        case validatedAt = "validated_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case lastSuccessAt = "last_success_at"
        case failingSince = "failing_since"
        case ed25519PublicKey = "ed25519_public_key"
    }

    init(_ loop: FeedbackLoop, secret: WebhookSecret? = nil) {
        id = loop.id
        url = loop.url.absoluteString
        events = loop.events.sorted().map(\.rawValue)
        format = loop.format.rawValue
        description = loop.description
        status = loop.status.rawValue
        validation = Validation(
            filename: loop.validationFile.filename,
            content: loop.validationFile.content,
            urls: loop.validationURLs,
            download: "/api/v1/loops/\(loop.id)/validation-file"
        )
        validatedAt = loop.validatedAt
        createdAt = loop.createdAt
        updatedAt = loop.updatedAt
        delivery = loop.delivery
        active = loop.status == .validated && loop.disabled == nil
        disabled = loop.disabled.map { Disabled(at: $0.at, reason: $0.reason) }
        lastSuccessAt = loop.lastSuccessAt
        failingSince = loop.failingSince
        self.secret = secret?.description
        signing = loop.signing.sorted().map(\.rawValue)
        ed25519PublicKey = loop.ed25519Key.flatMap { try? Curve25519.Signing.PrivateKey(rawRepresentation: $0) }
            .map { StandardWebhooks.publicKeyText($0.publicKey) }
    }
}

struct LoopListView: ResponseEncodable {
    let loops: [LoopView]
}

/// The answer to a secret rotation: the new secret, shown this once.
struct SecretRotationView: ResponseEncodable {
    let secret: String
    let previousExpiresAt: Date

    enum CodingKeys: String, CodingKey {
        case secret
        case previousExpiresAt = "previous_expires_at"
    }
}
