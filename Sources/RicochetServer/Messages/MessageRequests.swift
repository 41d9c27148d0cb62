import RicochetCore

/// One message in `POST /api/v1/messages` or in a batch.
struct NewMessageRequest: StrictJSONBody {
    static let fields: Set<String> = ["recipient", "profile", "subprofile", "tags", "html", "text", "message_id"]

    let recipient: String
    /// The recipient's profile (`prf_...`), whose data enriches the events.
    let profile: String?
    /// The subprofile the message is about (`sub_...`); implies its profile.
    let subprofile: String?
    let tags: [String]?
    let html: String?
    let text: String?
    /// The `Message-ID` the sender will send it with; by default one is assigned.
    let messageID: String?

    enum CodingKeys: String, CodingKey {
        case recipient, profile, subprofile, tags, html, text
        case messageID = "message_id"
    }
}

/// `POST /api/v1/messages/batch`.
struct MessageBatchRequest: StrictJSONBody {
    static let fields: Set<String> = ["messages"]

    let messages: [NewMessageRequest]
}

/// The checks of a message's fields, each answering 400 with what is wrong.
enum MessageInput {
    static let maximumTags = 50
    static let maximumTagLength = 100
    static let maximumPartBytes = 2 * 1024 * 1024

    static func recipient(_ address: String, at path: String) throws -> String {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        let valid =
            address.utf8.count <= 254 && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !address.unicodeScalars.contains {
                $0.value <= 0x20 || $0.value == 0x7F || "<>(),;:\\\"[]".unicodeScalars.contains($0)
            }
        guard valid else {
            throw APIError.badRequest(
                "\(path)recipient '\(address.prefix(100))' is not an email address", code: "invalid_recipient")
        }
        return address
    }

    static func tags(_ tags: [String]?, at path: String) throws -> [String] {
        let tags = tags ?? []
        if let problem = tagProblem(tags) { throw APIError.badRequest("\(path)tags: \(problem)", code: "invalid_tags") }
        return unique(tags)
    }

    /// Each tag once, in the order first given.
    static func unique(_ tags: [String]) -> [String] {
        var unique: [String] = []
        for tag in tags where !unique.contains(tag) { unique.append(tag) }
        return unique
    }

    /// What is wrong with `tags`, for the API and the relay alike.
    static func tagProblem(_ tags: [String]) -> String? {
        guard tags.count <= maximumTags else { return "at most \(maximumTags) tags" }
        for tag in tags {
            guard !tag.isEmpty, tag.unicodeScalars.count <= maximumTagLength,
                !tag.unicodeScalars.contains(where: { $0.value < 0x20 })
            else { return "each tag is 1 to \(maximumTagLength) characters without control characters" }
        }
        return nil
    }

    /// `left@right` or `<left@right>`, printable ASCII without brackets
    /// inside, nothing around it: the document's pattern (a header read
    /// from mail is read more leniently, by ``MessageIDHeader``).
    static func messageID(_ text: String?, at path: String) throws -> MessageIDHeader? {
        guard let text else { return nil }
        let inner = text.hasPrefix("<") && text.hasSuffix(">") ? text.dropFirst().dropLast() : Substring(text)
        let exact = inner.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "<" && $0 != ">" }
        guard exact, let header = MessageIDHeader(inner), header.value == inner else {
            throw APIError.badRequest(
                "\(path)message_id '\(text.prefix(100))' is not a Message-ID (<left@right>, printable ASCII, "
                    + "at most \(MessageIDHeader.maximumLength) characters)",
                code: "invalid_message_id")
        }
        return header
    }

    static func part(_ text: String?, name: String, at path: String) throws -> String? {
        guard let text else { return nil }
        guard text.utf8.count <= maximumPartBytes else {
            throw APIError.badRequest(
                "\(path)\(name) is larger than \(maximumPartBytes / 1024 / 1024) MiB", code: "invalid_part")
        }
        return text
    }
}
