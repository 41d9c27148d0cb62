import Foundation
import RicochetCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func insert(_ messages: [Message]) async throws {
        let rows: [[SQLiteData]] = messages.map { message in
            [
                .text(message.id.description), .text(message.accountID), .text(message.recipient),
                .text(JSONPayloadEncoder.encode(.list(message.tags.map(PayloadValue.string)))),
                .text(JSONPayloadEncoder.encode(.list(message.links.map(Self.payload(for:))))),
                .int64(message.createdAt.milliseconds), message.profileID.map(SQLiteData.text) ?? .null,
                message.subprofileID.map(SQLiteData.text) ?? .null,
                message.messageIDHeader.map { SQLiteData.text($0.value) } ?? .null,
            ]
        }
        try await database.write { connection in
            for binds in rows {
                _ = try await connection.query(
                    """
                    INSERT INTO messages (
                        id, account_id, recipient, tags, links, created_at, profile_id, subprofile_id,
                        message_id_header)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    binds)
            }
        }
    }

    public func messages(_ ids: [MessageID]) async throws -> [MessageID: Message] {
        try await rows(ids.map(\.description), columns: Self.messageColumns, from: "messages", as: Self.message(from:))
            .reduce(into: [:]) { $0[$1.id] = $1 }
    }

    /// The rows of `table` whose `id` is one of `ids`, each made into a value.
    func rows<T>(_ ids: [String], columns: String, from table: String, as make: (SQLiteRow) throws -> T)
        async throws -> [T]
    {
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: unique.count).joined(separator: ", ")
        return try await database.read(
            "SELECT \(columns) FROM \(table) WHERE id IN (\(placeholders))", unique.map(SQLiteData.text)
        ).map(make)
    }

    public func message(_ id: MessageID, of account: Account.ID) async throws -> Message? {
        try await database.read(
            "SELECT \(Self.messageColumns) FROM messages WHERE id = ? AND account_id = ?",
            [.text(id.description), .text(account)]
        ).first.map(Self.message(from:))
    }

    public func message(withHeader header: MessageIDHeader) async throws -> Message? {
        try await database.read(
            """
            SELECT \(Self.messageColumns) FROM messages WHERE message_id_header = ?
            ORDER BY created_at DESC LIMIT 1
            """,
            [.text(header.value)]
        ).first.map(Self.message(from:))
    }

    static let messageColumns =
        "id, account_id, recipient, tags, links, created_at, profile_id, subprofile_id, message_id_header"

    static func payload(for link: TrackedLink) -> PayloadValue {
        [
            "index": .integer(Int64(link.index)),
            "kind": .string(link.kind == .click ? "click" : "image"),
            "url": .string(link.url),
            "tags": .list(link.tags.map(PayloadValue.string)),
        ]
    }

    static func message(from row: SQLiteRow) throws -> Message {
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
            profileID: row.column("profile_id")?.string, subprofileID: row.column("subprofile_id")?.string,
            messageIDHeader: row.column("message_id_header")?.string.flatMap { MessageIDHeader($0) })
    }

    static func strings(_ value: PayloadValue) throws -> [String] {
        guard case .list(let items) = value else { throw StoreError.corrupt("expected a list") }
        return try items.map {
            guard case .string(let text) = $0 else { throw StoreError.corrupt("expected a string") }
            return text
        }
    }
}
