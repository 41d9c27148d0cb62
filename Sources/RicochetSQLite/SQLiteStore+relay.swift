import Foundation
import RicochetCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func accept(_ submissions: [RelayAcceptance]) async throws {
        guard !submissions.isEmpty else { return }
        try await database.write { connection in
            for accepted in submissions {
                let submission = accepted.submission
                _ = try await connection.query(
                    "INSERT INTO relay_submissions (id, account_id, mail_from, received_at, data) VALUES (?, ?, ?, ?, ?)",
                    [
                        .text(submission.id), .text(submission.accountID), .text(submission.mailFrom),
                        .int64(submission.receivedAt.milliseconds), .blob(ByteBuffer(bytes: submission.data)),
                    ])
                try await Self.insert(accepted.messages, on: connection)
                for copy in accepted.copies {
                    _ = try await connection.query(
                        """
                        INSERT INTO relay_copies (
                            id, submission_id, account_id, message_id, recipient, status, attempts, due_at, expires_at,
                            created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        [
                            .text(copy.id), .text(copy.submissionID), .text(copy.accountID),
                            .text(copy.messageID.description), .text(copy.recipient), .text(copy.status.rawValue),
                            .integer(copy.attempts), .int64(copy.dueAt.milliseconds),
                            .int64(copy.expiresAt.milliseconds), .int64(copy.updatedAt.milliseconds),
                            .int64(copy.updatedAt.milliseconds),
                        ])
                }
            }
        }
    }

    public func claimRelayCopies(now: Date, limit: Int, lease: DeliveryLease) async throws -> [ClaimedRelayCopy] {
        try await database.write { connection in
            let ids = try await connection.query(
                """
                UPDATE relay_copies SET status = 'sending', lease_holder = ?, lease_id = ?, lease_expires_at = ?,
                    updated_at = ?
                WHERE id IN (
                    SELECT id FROM relay_copies WHERE status = 'queued' AND due_at <= ? ORDER BY due_at, id LIMIT ?)
                RETURNING id
                """,
                [
                    .text(lease.holder), .text(lease.id), .int64(lease.expiresAt.milliseconds),
                    .int64(now.milliseconds), .int64(now.milliseconds), .integer(limit),
                ]
            ).compactMap { $0.column("id")?.string }
            guard !ids.isEmpty else { return [] }
            return try await connection.query(
                """
                SELECT \(StoredRecord.relayCopyColumns), s.mail_from, s.received_at, s.data
                FROM relay_copies c JOIN relay_submissions s ON s.id = c.submission_id
                WHERE c.id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", ")))
                ORDER BY c.due_at, c.id
                """,
                ids.map(SQLiteData.text)
            ).map { row in
                ClaimedRelayCopy(
                    copy: try StoredRecord.relayCopy(from: row), lease: lease.id, mailFrom: try row.text("mail_from"),
                    receivedAt: Date(milliseconds: try row.int64("received_at")),
                    data: row.optionalBlob("data") ?? [])
            }
        }
    }

    public func recordRelayResults(_ results: [RelayResult], now: Date) async throws -> Int {
        try await database.write { connection in
            var stale = 0
            for result in results {
                let (status, due) = StoredRecord.relayNext(result, now: now)
                let written = try await connection.query(
                    """
                    UPDATE relay_copies SET status = ?, attempts = attempts + 1, due_at = ?, last_code = ?,
                        last_enhanced = ?, last_reply = ?, lease_holder = NULL, lease_id = NULL,
                        lease_expires_at = NULL, updated_at = ?
                    WHERE id = ? AND status = 'sending' AND lease_id = ?
                    RETURNING id
                    """,
                    [
                        .text(status.rawValue), .int64(due.milliseconds), .integer(result.reply.code),
                        result.reply.enhanced.map(SQLiteData.text) ?? .null, .text(result.reply.text),
                        .int64(now.milliseconds), .text(result.copyID), .text(result.lease),
                    ])
                if written.isEmpty { stale += 1 }
            }
            return stale
        }
    }

    public func renewRelayLeases(_ leases: [String], until: Date, now: Date) async throws {
        guard !leases.isEmpty else { return }
        try await database.write { connection in
            for lease in leases {
                _ = try await connection.query(
                    StoredRecord.renewRelayLease, [.int64(until.milliseconds), .int64(now.milliseconds), .text(lease)])
            }
        }
    }

    public func rescueExpiredRelayLeases(now: Date) async throws -> Int {
        try await database.writeStatement(
            StoredRecord.rescueRelayLeases,
            [.int64(now.milliseconds), .int64(now.milliseconds)]
        ).count
    }

    public func relayCopies(of message: MessageID, account: Account.ID) async throws -> [RelayCopy] {
        try await database.read(
            StoredRecord.relayCopiesOfMessage,
            [.text(message.description), .text(account)]
        ).map(StoredRecord.relayCopy(from:))
    }

    public func relayCopies(of account: Account.ID, state: RelayCopyState?, after: String?, limit: Int)
        async throws -> [RelayCopy]
    {
        var binds: [SQLiteData] = [.text(account)]
        if let state { binds.append(.text(state.rawValue)) }
        if let after { binds.append(.text(after)) }
        binds.append(.integer(limit))
        return try await database.read(
            StoredRecord.relayCopiesOfAccount(state: state != nil, after: after != nil), binds
        ).map(StoredRecord.relayCopy(from:))
    }

    public func relayCopyCounts(of account: Account.ID) async throws -> [RelayCopyState: Int] {
        try StoredRecord.relayCopyCounts(from: try await database.read(StoredRecord.relayCopyCounts, [.text(account)]))
    }

    public func retryRelayCopy(_ id: String, of account: Account.ID, now: Date) async throws -> Bool {
        !(try await database.writeStatement(
            StoredRecord.retryRelayCopy,
            [.int64(now.milliseconds), .int64(now.milliseconds), .text(id), .text(account)]
        ).isEmpty)
    }

    public func dropRelayCopy(_ id: String, of account: Account.ID, reply: RelayReply, now: Date) async throws
        -> RelayCopy?
    {
        try await database.write { connection in
            guard
                let row = try await connection.query(StoredRecord.relayCopyOfAccount, [.text(id), .text(account)])
                    .first
            else { return nil }
            let copy = try StoredRecord.relayCopy(from: row)
            let dropped = try await connection.query(
                StoredRecord.dropRelayCopy,
                [
                    .integer(reply.code), reply.enhanced.map(SQLiteData.text) ?? .null, .text(reply.text),
                    .int64(now.milliseconds), .int64(now.milliseconds), .text(id), .text(account),
                    .integer(copy.attempts),
                ])
            return dropped.isEmpty ? nil : copy
        }
    }

    /// In chunks, so that other writes go on between them.
    public func pruneRelay(finishedBefore cutoff: Date) async throws -> Int {
        var removed = 0
        while true {
            let chunk = try await database.writeStatement(
                StoredRecord.pruneRelaySubmissions, [.int64(cutoff.milliseconds), .int64(cutoff.milliseconds)]
            ).count
            removed += chunk
            if chunk < StoredRecord.relayPruneChunk { return removed }
        }
    }
}

extension SQLiteStore {
    public func queueDepths() async throws -> QueueDepths {
        try StoredRecord.queueDepths(from: try await database.read(StoredRecord.queueDepths).first)
    }
}
