import Foundation
import RicochetCore
import SQLiteNIO

extension SQLiteStore {
    private static let loopColumns = """
        id, account_id, url, events, format, description, status, validation_filename,
        validation_content, validated_at, created_at, updated_at, revision
        """

    public func insert(_ loop: FeedbackLoop) async throws {
        try await database.write { connection in
            _ = try await connection.query(
                """
                INSERT INTO loops (\(Self.loopColumns))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                Self.binds(for: loop)
            )
        }
    }

    public func loops(of account: Account.ID) async throws -> [FeedbackLoop] {
        try await database.read(
            "SELECT \(Self.loopColumns) FROM loops WHERE account_id = ? ORDER BY created_at, id",
            [.text(account)]
        ).map(Self.loop(from:))
    }

    public func loop(_ id: FeedbackLoop.ID, of account: Account.ID) async throws -> FeedbackLoop? {
        try await database.read(
            "SELECT \(Self.loopColumns) FROM loops WHERE id = ? AND account_id = ?",
            [.text(id), .text(account)]
        ).first.map(Self.loop(from:))
    }

    public func update(_ loop: FeedbackLoop) async throws -> FeedbackLoop {
        var stored = loop
        stored.revision = loop.revision + 1
        let validatedAt: SQLiteData = stored.validatedAt.map { .int64($0.milliseconds) } ?? .null
        let binds: [SQLiteData] = [
            .text(stored.url.absoluteString), .text(Self.eventsColumn(stored.events)),
            .text(stored.format.rawValue), .text(stored.description), .text(stored.status.rawValue),
            .text(stored.validationFile.filename), .text(stored.validationFile.content), validatedAt,
            .int64(stored.updatedAt.milliseconds), .int64(Int64(stored.revision)),
            .text(loop.id), .text(loop.accountID), .int64(Int64(loop.revision)),
        ]
        try await database.write { connection in
            let changed = try await connection.query(
                """
                UPDATE loops SET url = ?, events = ?, format = ?, description = ?, status = ?,
                    validation_filename = ?, validation_content = ?, validated_at = ?, updated_at = ?,
                    revision = ?
                WHERE id = ? AND account_id = ? AND revision = ?
                RETURNING id
                """,
                binds
            )
            guard changed.isEmpty else { return }
            let exists = try await connection.query(
                "SELECT 1 FROM loops WHERE id = ? AND account_id = ?",
                [.text(loop.id), .text(loop.accountID)]
            )
            throw exists.isEmpty ? StoreError.notFound : StoreError.conflict
        }
        return stored
    }

    public func delete(_ id: FeedbackLoop.ID, of account: Account.ID) async throws -> Bool {
        try await database.write { connection in
            try await !connection.query(
                "DELETE FROM loops WHERE id = ? AND account_id = ? RETURNING id",
                [.text(id), .text(account)]
            ).isEmpty
        }
    }

    private static func binds(for loop: FeedbackLoop) -> [SQLiteData] {
        let validatedAt: SQLiteData = loop.validatedAt.map { .int64($0.milliseconds) } ?? .null
        return [
            .text(loop.id), .text(loop.accountID), .text(loop.url.absoluteString),
            .text(eventsColumn(loop.events)), .text(loop.format.rawValue), .text(loop.description),
            .text(loop.status.rawValue), .text(loop.validationFile.filename), .text(loop.validationFile.content),
            validatedAt, .int64(loop.createdAt.milliseconds), .int64(loop.updatedAt.milliseconds),
            .int64(Int64(loop.revision)),
        ]
    }

    private static func eventsColumn(_ events: Set<EventType>) -> String {
        events.sorted().map(\.rawValue).joined(separator: " ")
    }

    private static func loop(from row: SQLiteRow) throws -> FeedbackLoop {
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
            revision: Int(try row.int64("revision"))
        )
    }
}
