import RicochetCore

/// `POST /api/v1/loops`.
struct CreateLoopRequest: StrictJSONBody {
    static let fields: Set<String> = ["url", "events", "format", "description", "delivery", "ed25519"]

    let url: String
    let events: [String]
    let format: String?
    let description: String?
    let delivery: DeliveryInput?
    /// Sign with Ed25519 (`v1a`) too.
    let ed25519: Bool?
}

/// `PATCH /api/v1/loops/{id}`: only what is named changes; `"description": null` clears it;
/// `"enabled": true` re-enables a disabled loop, `false` disables it.
struct PatchLoopRequest: StrictJSONBody {
    static let fields: Set<String> = ["url", "events", "format", "description", "delivery", "enabled", "ed25519"]

    let url: String?
    let events: [String]?
    let format: String?
    /// nil: not named; `.some(nil)`: cleared.
    let description: String??
    let delivery: DeliveryInput?
    let enabled: Bool?
    /// true: a new Ed25519 key signs `v1a` too; false: no more `v1a`.
    let ed25519: Bool?

    enum CodingKeys: String, CodingKey {
        case url, events, format, description, delivery, enabled, ed25519
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
            !value.isEmpty && value.count <= maximumContentTypeLength
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

    static func format(_ name: String) throws -> PayloadFormat {
        guard let format = PayloadFormat(rawValue: name) else {
            throw APIError.badRequest("format must be \"form\" or \"json\", not \"\(name)\"", code: "invalid_format")
        }
        return format
    }

    static func description(_ text: String) throws -> String {
        guard text.count <= FeedbackLoop.maximumDescriptionLength else {
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
