import Foundation
import RicochetCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func insert(_ messages: [Message]) async throws {
        try await database.write { connection in try await Self.insert(messages, on: connection) }
    }

    /// Inside the caller's write transaction.
    static func insert(_ messages: [Message], on connection: SQLiteConnection) async throws {
        for message in messages {
            _ = try await connection.query(
                """
                INSERT INTO messages (
                    id, account_id, recipient, tags, links, created_at, profile_id, subprofile_id,
                    message_id_header)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(message.id.description), .text(message.accountID), .text(message.recipient),
                    .text(JSONPayloadEncoder.encode(.list(message.tags.map(PayloadValue.string)))),
                    .text(JSONPayloadEncoder.encode(.list(message.links.map(StoredRecord.payload(for:))))),
                    .int64(message.createdAt.milliseconds), message.profileID.map(SQLiteData.text) ?? .null,
                    message.subprofileID.map(SQLiteData.text) ?? .null,
                    message.messageIDHeader.map { SQLiteData.text($0.value) } ?? .null,
                ])
        }
    }

    public func messages(_ ids: [MessageID]) async throws -> [MessageID: Message] {
        try await rows(
            ids.map(\.description), columns: Self.messageColumns, from: "messages", as: StoredRecord.message(from:)
        )
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
        ).first.map(StoredRecord.message(from:))
    }

    public func message(withHeader header: MessageIDHeader) async throws -> Message? {
        try await database.read(
            """
            SELECT \(Self.messageColumns) FROM messages WHERE message_id_header = ?
            ORDER BY created_at DESC LIMIT 1
            """,
            [.text(header.value)]
        ).first.map(StoredRecord.message(from:))
    }

    static let messageColumns =
        "id, account_id, recipient, tags, links, created_at, profile_id, subprofile_id, message_id_header"

}
