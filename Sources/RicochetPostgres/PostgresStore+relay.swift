import Foundation
import RicochetCore
import RicochetStore

extension PostgresStore {
    public func accept(_ submissions: [RelayAcceptance]) async throws {
        guard !submissions.isEmpty else { return }
        let all = submissions.map(\.submission)
        let copies = submissions.flatMap(\.copies)
        try await pool.transaction { connection in
            try await connection.query(
                """
                INSERT INTO relay_submissions (id, account_id, mail_from, received_at, data)
                SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::bytea[])
                """,
                [
                    .texts(all.map(\.id)), .texts(all.map(\.accountID)), .texts(all.map(\.mailFrom)),
                    .int64s(all.map(\.receivedAt.milliseconds)), .blobs(all.map(\.data)),
                ])
            try await Self.insert(submissions.flatMap(\.messages), on: connection)
            guard !copies.isEmpty else { return }
            try await connection.query(
                """
                INSERT INTO relay_copies (
                    id, submission_id, account_id, message_id, recipient, status, attempts, due_at, expires_at,
                    created_at, updated_at)
                SELECT id, submission_id, account_id, message_id, recipient, status, attempts, due_at, expires_at,
                    updated_at, updated_at
                FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[],
                    ?::bigint[], ?::bigint[])
                    AS c(id, submission_id, account_id, message_id, recipient, status, attempts, due_at, expires_at,
                        updated_at)
                """,
                [
                    .texts(copies.map(\.id)), .texts(copies.map(\.submissionID)), .texts(copies.map(\.accountID)),
                    .texts(copies.map(\.messageID.description)), .texts(copies.map(\.recipient)),
                    .texts(copies.map(\.status.rawValue)), .int64s(copies.map { Int64($0.attempts) }),
                    .int64s(copies.map(\.dueAt.milliseconds)), .int64s(copies.map(\.expiresAt.milliseconds)),
                    .int64s(copies.map(\.updatedAt.milliseconds)),
                ])
        }
    }

    public func claimRelayCopies(now: Date, limit: Int, lease: DeliveryLease) async throws -> [ClaimedRelayCopy] {
        // Claiming and reading in one statement; SKIP LOCKED keeps two
        // nodes' claims apart without waiting.
        try await pool.query(
            """
            UPDATE relay_copies AS c SET status = 'sending', lease_holder = ?, lease_id = ?, lease_expires_at = ?,
                updated_at = ?
            FROM relay_submissions s
            WHERE s.id = c.submission_id AND c.id IN (
                SELECT id FROM relay_copies WHERE status = 'queued' AND due_at <= ? ORDER BY due_at, id LIMIT ?
                FOR UPDATE SKIP LOCKED)
            RETURNING \(StoredRecord.relayCopyColumns), s.mail_from, s.received_at, s.data
            """,
            [
                .text(lease.holder), .text(lease.id), .int64(lease.expiresAt.milliseconds), .int64(now.milliseconds),
                .int64(now.milliseconds), .integer(limit),
            ]
        ).map { row in
            ClaimedRelayCopy(
                copy: try StoredRecord.relayCopy(from: row), lease: lease.id, mailFrom: try row.text("mail_from"),
                receivedAt: Date(milliseconds: try row.int64("received_at")),
                data: row.optionalBlob("data") ?? [])
        }.sorted { ($0.copy.dueAt, $0.copy.id) < ($1.copy.dueAt, $1.copy.id) }
    }

    public func recordRelayResults(_ results: [RelayResult], now: Date) async throws -> Int {
        guard !results.isEmpty else { return 0 }
        let next = results.map { StoredRecord.relayNext($0, now: now) }
        let written = try await pool.query(
            """
            UPDATE relay_copies AS c SET status = r.status, attempts = c.attempts + 1, due_at = r.due,
                last_code = r.code, last_enhanced = r.enhanced, last_reply = r.reply, lease_holder = NULL,
                lease_id = NULL, lease_expires_at = NULL, updated_at = ?
            FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[])
                AS r(id, lease, status, due, code, enhanced, reply)
            WHERE c.id = r.id AND c.status = 'sending' AND c.lease_id = r.lease
            RETURNING c.id
            """,
            [
                .int64(now.milliseconds), .texts(results.map(\.copyID)), .texts(results.map(\.lease)),
                .texts(next.map(\.status.rawValue)), .int64s(next.map(\.due.milliseconds)),
                .int64s(results.map { Int64($0.reply.code) }), .texts(results.map(\.reply.enhanced)),
                .texts(results.map(\.reply.text)),
            ])
        return results.count - written.count
    }

    public func renewRelayLeases(_ leases: [String], until: Date, now: Date) async throws {
        guard !leases.isEmpty else { return }
        _ = try await pool.query(
            """
            UPDATE relay_copies SET lease_expires_at = ?, updated_at = ?
            WHERE status = 'sending' AND lease_id = ANY(?)
            """, [.int64(until.milliseconds), .int64(now.milliseconds), .texts(leases)])
    }

    public func rescueExpiredRelayLeases(now: Date) async throws -> Int {
        try await pool.query(
            StoredRecord.rescueRelayLeases,
            [.int64(now.milliseconds), .int64(now.milliseconds)]
        ).count
    }

    public func relayCopies(of message: MessageID, account: Account.ID) async throws -> [RelayCopy] {
        try await pool.query(
            StoredRecord.relayCopiesOfMessage,
            [.text(message.description), .text(account)]
        ).map(StoredRecord.relayCopy(from:))
    }

    public func relayCopies(of account: Account.ID, state: RelayCopyState?, after: String?, limit: Int)
        async throws -> [RelayCopy]
    {
        var binds: [PGValue] = [.text(account)]
        if let state { binds.append(.text(state.rawValue)) }
        if let after { binds.append(.text(after)) }
        binds.append(.integer(limit))
        return try await pool.query(
            StoredRecord.relayCopiesOfAccount(state: state != nil, after: after != nil), binds
        ).map(StoredRecord.relayCopy(from:))
    }

    public func relayCopyCounts(of account: Account.ID) async throws -> [RelayCopyState: Int] {
        try StoredRecord.relayCopyCounts(from: try await pool.query(StoredRecord.relayCopyCounts, [.text(account)]))
    }

    public func retryRelayCopy(_ id: String, of account: Account.ID, now: Date) async throws -> Bool {
        !(try await pool.query(
            StoredRecord.retryRelayCopy,
            [.int64(now.milliseconds), .int64(now.milliseconds), .text(id), .text(account)]
        ).isEmpty)
    }

    public func dropRelayCopy(_ id: String, of account: Account.ID, reply: RelayReply, now: Date) async throws
        -> RelayCopy?
    {
        guard let row = try await pool.query(StoredRecord.relayCopyOfAccount, [.text(id), .text(account)]).first
        else { return nil }
        let copy = try StoredRecord.relayCopy(from: row)
        // The attempts read make the update a compare-and-set: the copy
        // answered is the one dropped, even if a node tried it meanwhile.
        let dropped = try await pool.query(
            StoredRecord.dropRelayCopy,
            [
                .integer(reply.code), reply.enhanced.map(PGValue.text) ?? .null, .text(reply.text),
                .int64(now.milliseconds),
                .int64(now.milliseconds), .text(id), .text(account), .integer(copy.attempts),
            ])
        return dropped.isEmpty ? nil : copy
    }

    public func pruneRelay(finishedBefore cutoff: Date) async throws -> Int {
        var removed = 0
        while true {
            let chunk = try await pool.query(
                StoredRecord.pruneRelaySubmissions, [.int64(cutoff.milliseconds), .int64(cutoff.milliseconds)]
            ).count
            removed += chunk
            if chunk < StoredRecord.relayPruneChunk { return removed }
        }
    }
}

extension PostgresStore {
    public func queueDepths() async throws -> QueueDepths {
        try StoredRecord.queueDepths(from: try await pool.query(StoredRecord.queueDepths, []).first)
    }
}
