import RicochetCore

/// `POST /api/v1/loops`.
struct CreateLoopRequest: StrictJSONBody {
    static let fields: Set<String> = ["url", "events", "format", "description", "delivery", "ed25519", "signing"]

    let url: String
    let events: [String]
    let format: String?
    let description: String?
    let delivery: DeliveryInput?
    /// Sign with Ed25519 (`v1a`) too: `standard-webhooks-ed25519` added to `signing`.
    let ed25519: Bool?
    /// The signature schemes; by default ``SigningScheme/newLoopDefault``.
    let signing: [String]?
}

/// `PATCH /api/v1/loops/{id}`: only what is named changes; `"description": null` clears it;
/// `"enabled": true` re-enables a disabled loop, `false` disables it.
struct PatchLoopRequest: StrictJSONBody {
    static let fields: Set<String> = [
        "url", "events", "format", "description", "delivery", "enabled", "ed25519", "signing",
    ]
    static let nullable: Set<String> = ["description"]

    let url: String?
    let events: [String]?
    let format: String?
    /// nil: not named; `.some(nil)`: cleared.
    let description: String??
    let delivery: DeliveryInput?
    let enabled: Bool?
    /// true: a new Ed25519 key signs `v1a` too; false: no more `v1a`.
    let ed25519: Bool?
    /// The signature schemes, replacing the loop's.
    let signing: [String]?

    enum CodingKeys: String, CodingKey {
        case url, events, format, description, delivery, enabled, ed25519, signing
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // Only the description can be cleared; null elsewhere is a mistake, not "unchanged".
        func named<T: Decodable>(_ type: T.Type, _ key: CodingKeys) throws -> T? {
            container.contains(key) ? try container.decode(type, forKey: key) : nil
        }
        url = try named(String.self, .url)
        events = try named([String].self, .events)
        format = try named(String.self, .format)
        delivery = try named(DeliveryInput.self, .delivery)
        enabled = try named(Bool.self, .enabled)
        ed25519 = try named(Bool.self, .ed25519)
        signing = try named([String].self, .signing)
        if container.contains(.description) {
            description = .some(
                try container.decodeNil(forKey: .description)
                    ? nil : container.decode(String.self, forKey: .description))
        } else {
            description = nil
        }
    }
}

/// `POST /api/v1/loops/{id}/test`: either `data`, encoded in the loop's
/// format, or a raw `body` with its `content_type`.
struct TestLoopRequest: StrictJSONBody {
    static let fields: Set<String> = ["data", "body", "content_type"]

    let data: PayloadValue?
    let body: String?
    let contentType: String?

    enum CodingKeys: String, CodingKey {
        case data, body
        case contentType = "content_type"
    }
}

/// The checks of what users say about a loop (API and dashboard), each
/// answering 400 with what is wrong.
enum LoopInput {
    static var maximumContentTypeLength: Int { 200 }

    /// The content type of a raw test body.
    static func contentType(_ value: String) throws -> String {
        let valid =
            !value.isEmpty && value.unicodeScalars.count <= maximumContentTypeLength
            && value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
            && value.contains("/")
        guard valid else {
            throw APIError.badRequest(
                "content_type must be a media type such as text/plain (printable ASCII, at most \(maximumContentTypeLength) characters)",
                code: "invalid_field")
        }
        return value
    }

    static func url(_ string: String) throws -> LoopURL {
        do {
            return try LoopURL(string)
        } catch {
            throw APIError.badRequest("url: \(error)", code: "invalid_url")
        }
    }

    static func events(_ names: [String]) throws -> Set<EventType> {
        guard !names.isEmpty else {
            throw APIError.badRequest("events must name at least one of: \(EventType.names)", code: "invalid_events")
        }
        return try Set(
            names.map { name in
                guard let event = EventType(rawValue: name) else {
                    throw APIError.badRequest(
                        "unknown event '\(name)'; events are: \(EventType.names)", code: "invalid_events")
                }
                return event
            })
    }

    /// A set of signature schemes: at least one, all known, and not both
    /// that send a `Signature` header (the classic one and RFC 9421's).
    static func signing(_ names: [String]) throws -> Set<SigningScheme> {
        guard !names.isEmpty else {
            throw APIError.badRequest(
                "signing must name at least one of: \(SigningScheme.names)", code: "invalid_signing")
        }
        let schemes = try Set(
            names.map { name in
                guard let scheme = SigningScheme(rawValue: name) else {
                    throw APIError.badRequest(
                        "unknown signature scheme '\(name)'; schemes are: \(SigningScheme.names)",
                        code: "invalid_signing")
                }
                return scheme
            })
        try compatible(schemes)
        return schemes
    }

    /// What a new loop signs with: `signing` as given, else `default`; the
    /// older `"ed25519": true` adds `standard-webhooks-ed25519`.
    static func signing(input names: [String]?, ed25519: Bool?, default: Set<SigningScheme>) throws
        -> Set<SigningScheme>
    {
        var schemes = try names.map(signing) ?? `default`
        if ed25519 == true { schemes.insert(.standardWebhooksEd25519) }
        if ed25519 == false { schemes.remove(.standardWebhooksEd25519) }
        guard !schemes.isEmpty else {
            throw APIError.unprocessable(
                "a loop signs with at least one scheme; \"ed25519\": false removed the only one",
                code: "invalid_signing")
        }
        return schemes
    }

    static func compatible(_ schemes: Set<SigningScheme>) throws {
        guard !(schemes.contains(.classicRSA) && schemes.contains(.httpMessageSignatures)) else {
            throw APIError.unprocessable(
                "classic-rsa and http-message-signatures both send a Signature header; a loop can have one of them",
                code: "invalid_signing")
        }
    }

    static func format(_ name: String) throws -> PayloadFormat {
        guard let format = PayloadFormat(rawValue: name) else {
            throw APIError.badRequest("format must be \"form\" or \"json\", not \"\(name)\"", code: "invalid_format")
        }
        return format
    }

    static func description(_ text: String) throws -> String {
        guard text.unicodeScalars.count <= FeedbackLoop.maximumDescriptionLength else {
            throw APIError.badRequest(
                "description is longer than \(FeedbackLoop.maximumDescriptionLength) characters",
                code: "invalid_description")
        }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" }) else {
            throw APIError.badRequest("description must not contain control characters", code: "invalid_description")
        }
        return text
    }
}

/// `POST /api/v1/loops/{id}/secrets/rotate`, body optional.
struct RotateSecretRequest: StrictJSONBody {
    static let fields: Set<String> = ["grace_hours"]

    let graceHours: Double?

    enum CodingKeys: String, CodingKey {
        case graceHours = "grace_hours"
    }
}
