import Foundation
import OrderedCollections
import RicochetCore

/// How records are kept in a database's columns and read back from its rows,
/// the same for every backend: only their SQL differs.
public enum StoredRecord {
    public static func deliveryColumn(_ settings: DeliverySettings) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(settings)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public static func loop(from row: some StoreRow) throws -> FeedbackLoop {
        let id = try row.text("id")
        func parse<T: RawRepresentable<String>>(_ type: T.Type, _ column: String) throws -> T {
            let raw = try row.text(column)
            guard let value = T(rawValue: raw) else { throw StoreError.corrupt("loop \(id): \(column) '\(raw)'") }
            return value
        }
        let events = try row.text("events").split(separator: " ").map { name in
            guard let event = EventType(rawValue: String(name)) else {
                throw StoreError.corrupt("loop \(id): event '\(name)'")
            }
            return event
        }
        let url: LoopURL
        do {
            url = try LoopURL(row.text("url"))
        } catch {
            throw StoreError.corrupt("loop \(id): url: \(error)")
        }
        return FeedbackLoop(
            id: id,
            accountID: try row.text("account_id"),
            url: url,
            events: Set(events),
            format: try parse(PayloadFormat.self, "format"),
            description: try row.text("description"),
            status: try parse(LoopStatus.self, "status"),
            validationFile: ValidationFile(
                filename: try row.text("validation_filename"),
                content: try row.text("validation_content")
            ),
            validatedAt: row.optionalInt64("validated_at").map(Date.init(milliseconds:)),
            createdAt: Date(milliseconds: try row.int64("created_at")),
            updatedAt: Date(milliseconds: try row.int64("updated_at")),
            revision: Int(try row.int64("revision")),
            delivery: try delivery(row.text("delivery"), loop: id),
            disabled: row.optionalInt64("disabled_at").map { at in
                FeedbackLoop.Disabled(
                    at: Date(milliseconds: at), reason: row.optionalText("disabled_reason") ?? "disabled")
            },
            lastSuccessAt: row.optionalInt64("last_success_at").map(Date.init(milliseconds:)),
            failingSince: row.optionalInt64("failing_since").map(Date.init(milliseconds:)),
            ed25519Key: row.optionalBlob("ed25519_key"),
            signing: try signing(row.text("signing"), loop: id)
        )
    }

    public static func signing(_ text: String, loop id: String) throws -> Set<SigningScheme> {
        guard let schemes = SigningScheme.set(stored: text) else { throw StoreError.corrupt("loop \(id): signing") }
        return schemes
    }

    public static func delivery(_ text: String, loop id: String) throws -> DeliverySettings {
        do {
            return try JSONDecoder().decode(DeliverySettings.self, from: Data(text.utf8))
        } catch {
            throw StoreError.corrupt("loop \(id): delivery settings: \(error)")
        }
    }
    public static func payload(for link: TrackedLink) -> PayloadValue {
        [
            "index": .integer(Int64(link.index)),
            "kind": .string(link.kind == .click ? "click" : "image"),
            "url": .string(link.url),
            "tags": .list(link.tags.map(PayloadValue.string)),
        ]
    }

    public static func message(from row: some StoreRow) throws -> Message {
        let idText = try row.text("id")
        guard let id = MessageID(idText) else { throw StoreError.corrupt("message id \(idText)") }
        let tags = try strings(JSONPayloadDecoder.decode(row.text("tags")))
        guard case .list(let linkValues) = try JSONPayloadDecoder.decode(row.text("links")) else {
            throw StoreError.corrupt("message \(idText): links")
        }
        let links = try linkValues.map { value in
            guard case .object(let fields) = value, case .integer(let index)? = fields["index"],
                case .string(let kind)? = fields["kind"], case .string(let url)? = fields["url"]
            else { throw StoreError.corrupt("message \(idText): link") }
            return TrackedLink(
                kind: kind == "image" ? .image : .click, index: Int(index), url: url,
                tags: try strings(fields["tags"] ?? .list([])))
        }
        return Message(
            id: id, accountID: try row.text("account_id"), recipient: try row.text("recipient"), tags: tags,
            links: links, createdAt: Date(milliseconds: try row.int64("created_at")),
            profileID: row.optionalText("profile_id"), subprofileID: row.optionalText("subprofile_id"),
            messageIDHeader: row.optionalText("message_id_header").flatMap { MessageIDHeader($0) })
    }

    public static func strings(_ value: PayloadValue) throws -> [String] {
        guard case .list(let items) = value else { throw StoreError.corrupt("expected a list") }
        return try items.map {
            guard case .string(let text) = $0 else { throw StoreError.corrupt("expected a string") }
            return text
        }
    }
    public static func event(from row: some StoreRow) throws -> Event {
        let id = try row.text("id")
        let typeName = try row.text("type")
        guard let type = EventType(rawValue: typeName) else {
            throw StoreError.corrupt("event \(id): type \(typeName)")
        }
        return Event(
            id: id, accountID: try row.text("account_id"), type: type,
            message: row.optionalText("message_id").flatMap { MessageID($0) },
            occurredAt: Date(milliseconds: try row.int64("occurred_at")),
            machineReason: row.optionalText("machine_reason"),
            variables: try JSONPayloadDecoder.decode(row.text("variables")))
    }
    public static func deliveryRecord(from row: some StoreRow) throws -> DeliveryRecord {
        let id = try row.text("id")
        guard let format = PayloadFormat(rawValue: try row.text("format")),
            let status = DeliveryStatus(rawValue: try row.text("status")),
            let type = EventType(rawValue: try row.text("event_type"))
        else { throw StoreError.corrupt("delivery \(id)") }
        return DeliveryRecord(
            seq: try row.int64("seq"), id: id, loopID: try row.text("loop_id"), eventID: try row.text("event_id"),
            eventType: type, webhookID: try row.text("webhook_id"), format: format, status: status,
            attempts: Int(try row.int64("attempts")),
            dueAt: status == .queued ? Date(milliseconds: try row.int64("due_at")) : nil,
            body: row.optionalBlob("body"),
            createdAt: Date(milliseconds: try row.int64("created_at")),
            updatedAt: Date(milliseconds: try row.int64("updated_at")),
            lastStatus: row.optionalInt64("last_status").map { Int($0) }, lastError: row.optionalText("last_error"),
            lastDurationMilliseconds: row.optionalInt64("last_duration_ms").map { Int($0) })
    }

    public static func attempt(from row: some StoreRow) throws -> DeliveryAttempt {
        func fields(_ column: String) throws -> [DeliveryAttempt.HeaderField] {
            guard let text = row.optionalText(column),
                case .list(let pairs) = try JSONPayloadDecoder.decode(text)
            else { return [] }
            return pairs.compactMap { pair in
                guard case .list(let parts) = pair, parts.count == 2, case .string(let name) = parts[0],
                    case .string(let value) = parts[1]
                else { return nil }
                return .init(name: name, value: value)
            }
        }
        let headers = try fields("response_headers")
        return DeliveryAttempt(
            startedAt: Date(milliseconds: try row.int64("started_at")),
            durationMilliseconds: Int(try row.int64("duration_ms")),
            status: row.optionalInt64("status").map { Int($0) }, errorClass: row.optionalText("error_class"),
            error: row.optionalText("error"), responseHeaders: headers,
            responseBody: row.optionalBlob("response_body") ?? [],
            requestHeaders: try fields("request_headers"))
    }

    public static func fieldsColumn(_ fields: OrderedDictionary<String, String>) -> String {
        JSONPayloadEncoder.encode(.object(fields.mapValues(PayloadValue.string)))
    }

    public static func interestsColumn(_ interests: [String]) -> String {
        JSONPayloadEncoder.encode(.list(interests.map(PayloadValue.string)))
    }

    public static func profileDatabase(from row: some StoreRow) throws -> ProfileDatabase {
        ProfileDatabase(
            id: try row.text("id"), accountID: try row.text("account_id"), name: try row.text("name"),
            createdAt: Date(milliseconds: try row.int64("created_at")))
    }

    /// A `fields` column: a JSON object of strings.
    public static func stringFields(_ row: some StoreRow) throws -> OrderedDictionary<String, String> {
        guard case .object(let raw) = try JSONPayloadDecoder.decode(row.text("fields")) else {
            throw StoreError.corrupt("fields")
        }
        var fields = OrderedDictionary<String, String>()
        for (name, value) in raw {
            guard case .string(let text) = value else { throw StoreError.corrupt("field \(name)") }
            fields[name] = text
        }
        return fields
    }

    public static func profile(from row: some StoreRow) throws -> Profile {
        let fields = try stringFields(row)
        return Profile(
            id: try row.text("id"), accountID: try row.text("account_id"), databaseID: try row.text("database_id"),
            fields: fields, interests: try strings(JSONPayloadDecoder.decode(row.text("interests"))),
            createdAt: Date(milliseconds: try row.int64("created_at")),
            modifiedAt: Date(milliseconds: try row.int64("modified_at")))
    }
    public static func collection(from row: some StoreRow) throws -> ProfileCollection {
        ProfileCollection(
            id: try row.text("id"), accountID: try row.text("account_id"), databaseID: try row.text("database_id"),
            name: try row.text("name"), createdAt: Date(milliseconds: try row.int64("created_at")))
    }

    public static func subprofile(from row: some StoreRow) throws -> Subprofile {
        let fields = try stringFields(row)
        return Subprofile(
            id: try row.text("id"), accountID: try row.text("account_id"), databaseID: try row.text("database_id"),
            collectionID: try row.text("collection_id"), profileID: try row.text("profile_id"), fields: fields,
            createdAt: Date(milliseconds: try row.int64("created_at")),
            modifiedAt: Date(milliseconds: try row.int64("modified_at")))
    }
}
