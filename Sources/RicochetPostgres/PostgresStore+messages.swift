import Foundation
import RicochetCore
import RicochetStore

extension PostgresStore {
    static let messageColumns =
        "id, account_id, recipient, tags, links, created_at, profile_id, subprofile_id, message_id_header"

    public func insert(_ messages: [Message]) async throws {
        try await Self.insert(messages, on: pool)
    }

    /// On the pool, or inside the caller's transaction.
    static func insert(_ messages: [Message], on connection: some PGQuerying) async throws {
        guard !messages.isEmpty else { return }
        for start in stride(from: 0, to: messages.count, by: 1000) {
            let chunk = messages[start..<min(start + 1000, messages.count)]
            try await connection.query(
                """
                INSERT INTO messages (\(Self.messageColumns))
                VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?::text, ?::text, ?::text)", count: chunk.count).joined(separator: ", "))
                """,
                chunk.flatMap { message -> [PGValue] in
                    [
                        .text(message.id.description), .text(message.accountID), .text(message.recipient),
                        .text(JSONPayloadEncoder.encode(.list(message.tags.map(PayloadValue.string)))),
                        .text(JSONPayloadEncoder.encode(.list(message.links.map(StoredRecord.payload(for:))))),
                        .int64(message.createdAt.milliseconds), message.profileID.map(PGValue.text) ?? .null,
                        message.subprofileID.map(PGValue.text) ?? .null,
                        message.messageIDHeader.map { PGValue.text($0.value) } ?? .null,
                    ]
                })
        }
    }

    public func messages(_ ids: [MessageID]) async throws -> [MessageID: Message] {
        try await rows(ids.map(\.description), columns: Self.messageColumns, from: "messages")
            .map(StoredRecord.message(from:)).reduce(into: [:]) { $0[$1.id] = $1 }
    }

    /// The rows of `table` whose `id` is one of `ids`.
    func rows(_ ids: [String], columns: String, from table: String) async throws -> [PGRow] {
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [] }
        return try await pool.query(
            "SELECT \(columns) FROM \(table) WHERE id IN (\(Array(repeating: "?", count: unique.count).joined(separator: ", ")))",
            unique.map(PGValue.text))
    }

    public func message(_ id: MessageID, of account: Account.ID) async throws -> Message? {
        try await pool.query(
            "SELECT \(Self.messageColumns) FROM messages WHERE id = ? AND account_id = ?",
            [.text(id.description), .text(account)]
        ).first.map(StoredRecord.message(from:))
    }

    public func message(withHeader header: MessageIDHeader) async throws -> Message? {
        try await pool.query(
            """
            SELECT \(Self.messageColumns) FROM messages WHERE message_id_header = ?
            ORDER BY created_at DESC LIMIT 1
            """,
            [.text(header.value)]
        ).first.map(StoredRecord.message(from:))
    }
}
