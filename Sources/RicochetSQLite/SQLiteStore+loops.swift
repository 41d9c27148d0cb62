import Foundation
import RicochetCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    private static let storedLoopColumns = """
        id, account_id, url, format, description, status, validation_filename,
        validation_content, validated_at, created_at, updated_at, revision, delivery, disabled_at,
        disabled_reason, last_success_at, failing_since, ed25519_key, signing
        """

    /// A loop as read from `loops`, its subscriptions joined into one column.
    static let loopColumns = """
        \(storedLoopColumns),
        COALESCE((SELECT group_concat(event_type, ' ') FROM loop_subscriptions WHERE loop_id = loops.id), '')
            AS events
        """

    public func insert(_ loop: FeedbackLoop, secret: WebhookSecret) async throws {
        try await database.write { connection in
            _ = try await connection.query(
                """
                INSERT INTO loops (\(Self.storedLoopColumns))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                Self.binds(for: loop)
            )
            try await self.writeSubscriptions(of: loop, on: connection)
            _ = try await connection.query(
                "INSERT INTO loop_secrets (loop_id, secret, created_at, expires_at) VALUES (?, ?, ?, NULL)",
                [.text(loop.id), .blob(ByteBuffer(bytes: secret.key)), .int64(loop.createdAt.milliseconds)])
        }
    }

    public func secrets(of loop: FeedbackLoop.ID, at now: Date) async throws -> [WebhookSecret] {
        try await database.read(
            """
            SELECT secret FROM loop_secrets WHERE loop_id = ? AND (expires_at IS NULL OR expires_at > ?)
            ORDER BY created_at DESC
            """,
            [.text(loop), .int64(now.milliseconds)]
        ).map { row in
            guard let blob = row.column("secret")?.blob else { throw StoreError.corrupt("loop \(loop): secret") }
            return WebhookSecret(key: Array(blob.readableBytesView))
        }
    }

    public func rotateSecret(
        of loop: FeedbackLoop.ID, account: Account.ID, to secret: WebhookSecret, grace: TimeInterval, now: Date
    ) async throws -> Date {
        let expiry = now.addingTimeInterval(grace)
        return try await database.write { connection in
            guard
                try await !connection.query(
                    "SELECT 1 FROM loops WHERE id = ? AND account_id = ?", [.text(loop), .text(account)]
                ).isEmpty
            else { throw StoreError.notFound }
            // Secrets already on their way out keep their own, earlier end.
            _ = try await connection.query(
                """
                UPDATE loop_secrets SET expires_at = ?
                WHERE loop_id = ? AND (expires_at IS NULL OR expires_at > ?)
                """,
                [.int64(expiry.milliseconds), .text(loop), .int64(expiry.milliseconds)])
            _ = try await connection.query(
                "DELETE FROM loop_secrets WHERE loop_id = ? AND expires_at <= ?",
                [
                    .text(loop), .int64(now.milliseconds),
                ])
            _ = try await connection.query(
                "INSERT INTO loop_secrets (loop_id, secret, created_at, expires_at) VALUES (?, ?, ?, NULL)",
                [.text(loop), .blob(ByteBuffer(bytes: secret.key)), .int64(now.milliseconds)])
            return expiry
        }
    }

    public func loops(of account: Account.ID) async throws -> [FeedbackLoop] {
        try await database.read(
            "SELECT \(Self.loopColumns) FROM loops WHERE account_id = ? ORDER BY created_at, id",
            [.text(account)]
        ).map(StoredRecord.loop(from:))
    }

    public func loop(_ id: FeedbackLoop.ID, of account: Account.ID) async throws -> FeedbackLoop? {
        try await database.read(
            "SELECT \(Self.loopColumns) FROM loops WHERE id = ? AND account_id = ?",
            [.text(id), .text(account)]
        ).first.map(StoredRecord.loop(from:))
    }

    public func update(_ loop: FeedbackLoop) async throws -> FeedbackLoop {
        var stored = loop
        stored.revision = loop.revision + 1
        let validatedAt: SQLiteData = stored.validatedAt.map { .int64($0.milliseconds) } ?? .null
        let binds: [SQLiteData] = [
            .text(stored.url.absoluteString), .text(stored.format.rawValue), .text(stored.description),
            .text(stored.status.rawValue),
            .text(stored.validationFile.filename), .text(stored.validationFile.content), validatedAt,
            .int64(stored.updatedAt.milliseconds), .int64(Int64(stored.revision)),
            .text(StoredRecord.deliveryColumn(stored.delivery)),
            stored.disabled.map { .int64($0.at.milliseconds) } ?? .null,
            stored.disabled.map { .text($0.reason) } ?? .null,
            stored.ed25519Key.map { .blob(ByteBuffer(bytes: $0)) } ?? .null,
            .text(SigningScheme.stored(stored.signing)),
            .text(loop.id), .text(loop.accountID), .int64(Int64(loop.revision)),
        ]
        try await database.write { [stored] connection in
            let changed = try await connection.query(
                """
                UPDATE loops SET url = ?, format = ?, description = ?, status = ?,
                    validation_filename = ?, validation_content = ?, validated_at = ?, updated_at = ?,
                    revision = ?, delivery = ?, disabled_at = ?, disabled_reason = ?, ed25519_key = ?, signing = ?
                WHERE id = ? AND account_id = ? AND revision = ?
                RETURNING id
                """,
                binds
            )
            guard changed.isEmpty else {
                try await self.writeSubscriptions(of: stored, on: connection)
                return
            }
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
            self.loopsChanged()
            return try await !connection.query(
                "DELETE FROM loops WHERE id = ? AND account_id = ? RETURNING id",
                [.text(id), .text(account)]
            ).isEmpty
        }
    }

    private static func binds(for loop: FeedbackLoop) -> [SQLiteData] {
        let validatedAt: SQLiteData = loop.validatedAt.map { .int64($0.milliseconds) } ?? .null
        return [
            .text(loop.id), .text(loop.accountID), .text(loop.url.absoluteString),
            .text(loop.format.rawValue), .text(loop.description),
            .text(loop.status.rawValue), .text(loop.validationFile.filename), .text(loop.validationFile.content),
            validatedAt, .int64(loop.createdAt.milliseconds), .int64(loop.updatedAt.milliseconds),
            .int64(Int64(loop.revision)), .text(StoredRecord.deliveryColumn(loop.delivery)),
            loop.disabled.map { .int64($0.at.milliseconds) } ?? .null, loop.disabled.map { .text($0.reason) } ?? .null,
            loop.lastSuccessAt.map { .int64($0.milliseconds) } ?? .null,
            loop.failingSince.map { .int64($0.milliseconds) } ?? .null,
            loop.ed25519Key.map { .blob(ByteBuffer(bytes: $0)) } ?? .null,
            .text(SigningScheme.stored(loop.signing)),
        ]
    }

    /// Replaces the loop's subscription rows, inside the caller's transaction.
    private func writeSubscriptions(of loop: FeedbackLoop, on connection: SQLiteConnection) async throws {
        loopsChanged()
        _ = try await connection.query("DELETE FROM loop_subscriptions WHERE loop_id = ?", [.text(loop.id)])
        guard !loop.events.isEmpty else { return }
        _ = try await connection.query(
            """
            INSERT INTO loop_subscriptions (loop_id, event_type)
            VALUES \(Array(repeating: "(?, ?)", count: loop.events.count).joined(separator: ", "))
            """,
            loop.events.sorted().flatMap { [.text(loop.id), .text($0.rawValue)] })
    }

}
