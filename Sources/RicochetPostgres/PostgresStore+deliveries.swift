import Foundation
import RicochetCore
import RicochetStore

extension PostgresStore {
    public func renewLeases(holder: String, until: Date) async throws -> Int {
        try await pool.execute(RenewLeases(binds: [.int64(until.milliseconds), .text(holder)])).count
    }

    public func rescueExpiredLeases(now: Date) async throws -> Int {
        let rescued = try await pool.query(
            """
            UPDATE deliveries SET status = 'queued', updated_at = ?, lease_holder = NULL, lease_id = NULL,
                lease_expires_at = NULL
            WHERE status = 'sending' AND lease_expires_at <= ?
            RETURNING seq
            """,
            [.int64(now.milliseconds), .int64(now.milliseconds)]
        ).count
        if rescued > 0 { try await notifyQueued() }
        return rescued
    }

    public func nextDue(loop: FeedbackLoop.ID) async throws -> Date? {
        try await pool.execute(NextDue(binds: [.text(loop)])).first?.optionalInt64("due").map(Date.init(milliseconds:))
    }

    public func due(loop: FeedbackLoop.ID, now: Date, limit: Int) async throws -> (count: Int, oldest: Date?) {
        let row = try await pool.execute(
            CountDue(binds: [.text(loop), .int64(now.milliseconds), .integer(limit)])
        ).first
        return (Int(row?.optionalInt64("count") ?? 0), row?.optionalInt64("oldest").map(Date.init(milliseconds:)))
    }

    public func claimDue(loop: FeedbackLoop.ID, now: Date, limit: Int, lease: DeliveryLease) async throws
        -> [ClaimedDelivery]
    {
        let rows = try await pool.execute(
            ClaimDue(binds: [
                .int64(now.milliseconds), .text(lease.holder), .text(lease.id), .int64(lease.expiresAt.milliseconds),
                .text(loop), .int64(now.milliseconds), .integer(limit),
            ]))
        return try rows.map { row in
            let id = try row.text("id")
            guard let format = PayloadFormat(rawValue: try row.text("format")) else {
                throw StoreError.corrupt("delivery \(id): format")
            }
            return ClaimedDelivery(
                seq: try row.int64("seq"), id: id, lease: lease.id, loopID: try row.text("loop_id"),
                webhookID: try row.text("webhook_id"), format: format, attempts: Int(try row.int64("attempts")),
                body: row.optionalBlob("body"), variablesJSON: row.optionalText("variables"),
                createdAt: Date(milliseconds: try row.int64("created_at")))
        }
    }

    public func release(_ deliveries: [ClaimedDelivery], now: Date) async throws {
        for start in stride(from: 0, to: deliveries.count, by: 5000) {
            let chunk = deliveries[start..<min(start + 5000, deliveries.count)]
            try await pool.query(
                """
                UPDATE deliveries SET status = 'queued', updated_at = ?, lease_holder = NULL, lease_id = NULL,
                    lease_expires_at = NULL
                FROM (VALUES \(Array(repeating: "(?::bigint, ?::text)", count: chunk.count).joined(separator: ", ")))
                    AS v(seq, lease)
                WHERE deliveries.seq = v.seq AND deliveries.lease_id = v.lease AND deliveries.status = 'sending'
                """,
                [.int64(now.milliseconds)] + chunk.flatMap { [PGValue.int64($0.seq), .text($0.lease)] })
        }
    }

    /// The results and their attempts in one statement, then the loops'
    /// health in one more: a batch of any size in one transaction of two
    /// prepared statements (and one more for each loop a result disables).
    public func record(_ results: [DeliveryResult], now: Date) async throws -> Int {
        guard !results.isEmpty else { return 0 }
        return try await pool.transaction { connection in
            var written = Set<Int64>()
            for start in stride(from: 0, to: results.count, by: 1000) {
                let chunk = results[start..<min(start + 1000, results.count)]
                for row in try await connection.execute(RecordResults(chunk, now: now)) {
                    written.insert(try row.int64("seq"))
                }
            }
            let current = results.filter { written.contains($0.delivery.seq) }
            var lastByLoop: [FeedbackLoop.ID: DeliveryResult] = [:]
            for result in current { lastByLoop[result.delivery.loopID] = result }
            if !lastByLoop.isEmpty {
                let health = lastByLoop.sorted { $0.key < $1.key }
                try await connection.execute(
                    RecordLoopHealth(binds: [
                        .int64(now.milliseconds), .texts(health.map(\.key)),
                        .int64s(health.map { $0.value.next == .succeeded ? 1 : 0 }),
                        .int64s(health.map { $0.value.attempt.startedAt.milliseconds }),
                    ]))
            }
            for result in current {
                guard let reason = result.disableLoop else { continue }
                _ = try await connection.query(
                    """
                    UPDATE loops SET disabled_at = ?, disabled_reason = ?, revision = revision + 1
                    WHERE id = ? AND disabled_at IS NULL
                    """,
                    [.int64(now.milliseconds), .text(reason), .text(result.delivery.loopID)])
            }
            return results.count - current.count
        }
    }

    /// A JSON body is not stored: it is its event's variables byte for byte
    /// (`DeliveryResult.storedBody`, `ClaimedDelivery.payload()`), so `body`
    /// falls back to them.
    private static let deliveryColumns = """
        d.seq, d.id, d.loop_id, e.id AS event_id, e.type AS event_type, d.webhook_id, d.format, d.status,
        d.attempts, d.due_at,
        COALESCE(d.body, CASE WHEN d.format = 'json' THEN convert_to(e.variables, 'UTF8') END) AS body,
        d.created_at, d.updated_at, d.last_status, d.last_error,
        (SELECT a.duration_ms FROM delivery_attempts a WHERE a.delivery_id = d.id ORDER BY a.id DESC LIMIT 1)
            AS last_duration_ms
        """

    public func deliveries(
        of loop: FeedbackLoop.ID, account: Account.ID, status: DeliveryStatus?, before: Int64?, limit: Int
    ) async throws -> [DeliveryRecord] {
        var conditions = ["d.loop_id = ?", "d.account_id = ?"]
        var binds: [PGValue] = [.text(loop), .text(account)]
        if let status {
            conditions.append("d.status = ?")
            binds.append(.text(status.rawValue))
        }
        if let before {
            conditions.append("d.seq < ?")
            binds.append(.int64(before))
        }
        binds.append(.integer(limit))
        return try await pool.query(
            """
            SELECT \(Self.deliveryColumns) FROM deliveries d JOIN events e ON e.seq = d.event_seq
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY d.seq DESC LIMIT ?
            """,
            binds
        ).map(StoredRecord.deliveryRecord(from:))
    }

    public func delivery(_ id: String, account: Account.ID) async throws -> (DeliveryRecord, [DeliveryAttempt])? {
        guard
            let row = try await pool.query(
                """
                SELECT \(Self.deliveryColumns) FROM deliveries d JOIN events e ON e.seq = d.event_seq
                WHERE d.id = ? AND d.account_id = ?
                """,
                [.text(id), .text(account)]
            ).first
        else { return nil }
        let attempts = try await pool.query(
            """
            SELECT started_at, duration_ms, status, error_class, error, response_headers, response_body,
                request_headers
            FROM delivery_attempts WHERE delivery_id = ? ORDER BY id
            """,
            [.text(id)]
        ).map(StoredRecord.attempt(from:))
        return (try StoredRecord.deliveryRecord(from: row), attempts)
    }

    public func activity(of loops: [FeedbackLoop.ID], since: Date) async throws -> [FeedbackLoop.ID: LoopActivity] {
        guard !loops.isEmpty else { return [:] }
        let placeholders = Array(repeating: "?", count: loops.count).joined(separator: ", ")
        let ids = loops.map(PGValue.text)
        var activity: [FeedbackLoop.ID: LoopActivity] = [:]
        for row in try await pool.query(
            """
            SELECT d.loop_id, COUNT(*)::bigint AS attempts,
                SUM(CASE WHEN a.status BETWEEN 200 AND 299 THEN 1 ELSE 0 END)::bigint AS succeeded
            FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
            WHERE a.started_at >= ? AND d.loop_id IN (\(placeholders))
            GROUP BY d.loop_id
            """,
            [.int64(since.milliseconds)] + ids)
        {
            let loop = try row.text("loop_id")
            activity[loop, default: .init()].attempts = Int(try row.int64("attempts"))
            activity[loop, default: .init()].succeeded = Int(try row.int64("succeeded"))
        }
        for row in try await pool.query(
            """
            SELECT loop_id, COUNT(*)::bigint AS waiting FROM deliveries
            WHERE status IN ('queued', 'sending') AND loop_id IN (\(placeholders))
            GROUP BY loop_id
            """,
            ids)
        {
            activity[try row.text("loop_id"), default: .init()].waiting = Int(try row.int64("waiting"))
        }
        return activity
    }

    public func retry(_ id: String, account: Account.ID, now: Date) async throws -> Bool {
        let retried = try await !pool.query(
            """
            UPDATE deliveries SET status = 'queued', due_at = ?, updated_at = ?
            WHERE id = ? AND account_id = ? AND status != 'sending'
            RETURNING seq
            """,
            [.int64(now.milliseconds), .int64(now.milliseconds), .text(id), .text(account)]
        ).isEmpty
        if retried { try await notifyQueued() }
        return retried
    }

    public func recover(loop: FeedbackLoop.ID, account: Account.ID, since: Date, now: Date) async throws -> Int {
        let requeued = try await pool.query(
            """
            UPDATE deliveries SET status = 'queued', due_at = ?, updated_at = ?
            WHERE loop_id = ? AND account_id = ? AND status = 'failed' AND created_at >= ?
            RETURNING seq
            """,
            [
                .int64(now.milliseconds), .int64(now.milliseconds), .text(loop), .text(account),
                .int64(since.milliseconds),
            ]
        ).count
        if requeued > 0 { try await notifyQueued() }
        return requeued
    }

    public func replay(loop: FeedbackLoop.ID, account: Account.ID, since: Date, until: Date, now: Date) async throws
        -> Int
    {
        let queued = try await pool.transaction { connection in
            guard
                let row = try await connection.query(
                    "SELECT \(Self.loopColumns) FROM loops WHERE id = ? AND account_id = ?",
                    [.text(loop), .text(account)]
                ).first
            else { return 0 }
            let subscription = LoopSubscription(try StoredRecord.loop(from: row))
            guard !subscription.events.isEmpty else { return 0 }
            let types = subscription.events.sorted().map { PGValue.text($0.rawValue) }
            var queued = 0
            var after: Int64 = 0
            while true {
                let rows = try await connection.query(
                    """
                    SELECT seq, id, type FROM events
                    WHERE account_id = ? AND occurred_at >= ? AND occurred_at < ? AND seq > ?
                        AND type IN (\(Array(repeating: "?", count: types.count).joined(separator: ", ")))
                    ORDER BY seq LIMIT \(Self.replayPage)
                    """,
                    [.text(account), .int64(since.milliseconds), .int64(until.milliseconds), .int64(after)] + types)
                var events: [(id: String, accountID: Account.ID, type: EventType)] = []
                var seqs: [String: Int64] = [:]
                for row in rows {
                    let id = try row.text("id")
                    guard let type = EventType(rawValue: try row.text("type")) else {
                        throw StoreError.corrupt("event \(id): type")
                    }
                    events.append((id: id, accountID: account, type: type))
                    seqs[id] = try row.int64("seq")
                }
                let deliveries = DeliveryPlanner.replay(events, to: subscription)
                if !deliveries.isEmpty {
                    _ = try await connection.query(
                        """
                        INSERT INTO deliveries (
                            id, loop_id, account_id, event_seq, webhook_id, format, status, due_at, created_at,
                            updated_at)
                        VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)", count: deliveries.count).joined(separator: ", "))
                        """,
                        deliveries.flatMap { delivery -> [PGValue] in
                            [
                                .text(delivery.id), .text(delivery.loopID), .text(delivery.accountID),
                                .int64(seqs[delivery.eventID] ?? 0), .text(delivery.eventID),
                                .text(delivery.format.rawValue), .int64(now.milliseconds), .int64(now.milliseconds),
                                .int64(now.milliseconds),
                            ]
                        })
                }
                queued += deliveries.count
                guard rows.count == Self.replayPage, let last = rows.last else { break }
                after = try last.int64("seq")
            }
            if queued > 0 { _ = try await connection.query("SELECT pg_notify('\(Self.channel)', '') AS notified") }
            return queued
        }
        if queued > 0 { eventsCommitted() }
        return queued
    }

    static let replayPage = 5000

    /// Tells every node (this one too) that deliveries were queued.
    func notifyQueued() async throws {
        try await pool.query("SELECT pg_notify('\(Self.channel)', '') AS notified")
        eventsCommitted()
    }

    /// In chunks, so that other writes go on between them.
    public func prune(before cutoff: Date) async throws -> Int {
        var removed = 0
        for statement in [
            """
            DELETE FROM delivery_attempts WHERE id IN (
                SELECT id FROM delivery_attempts WHERE started_at < ? LIMIT \(Self.pruneChunk))
            RETURNING id
            """,
            """
            DELETE FROM deliveries WHERE seq IN (
                SELECT seq FROM deliveries WHERE status IN ('succeeded', 'failed') AND updated_at < ?
                LIMIT \(Self.pruneChunk))
            RETURNING seq
            """,
        ] {
            while true {
                let chunk = try await pool.query(statement, [.int64(cutoff.milliseconds)]).count
                removed += chunk
                if chunk < Self.pruneChunk { break }
            }
        }
        return removed
    }

    static let pruneChunk = 5000
}

/// A node's leases on the deliveries it is sending, extended.
struct RenewLeases: PGPreparedStatement {
    static let sql = PostgresPool.numbered(
        "UPDATE deliveries SET lease_expires_at = ? WHERE status = 'sending' AND lease_holder = ? RETURNING seq")
    let binds: [PGValue]
}

/// When a loop's next queued delivery is due.
struct NextDue: PGPreparedStatement {
    static let sql = PostgresPool.numbered(
        "SELECT MIN(due_at) AS due FROM deliveries WHERE loop_id = ? AND status = 'queued'")
    let binds: [PGValue]
}

/// How many of a loop's deliveries are due (up to a limit), and the oldest.
struct CountDue: PGPreparedStatement {
    static let sql = PostgresPool.numbered(
        """
        SELECT COUNT(*)::bigint AS count, MIN(due_at) AS oldest FROM (
            SELECT due_at FROM deliveries WHERE loop_id = ? AND status = 'queued' AND due_at <= ?
            ORDER BY due_at LIMIT ?) AS due
        """)
    let binds: [PGValue]
}

/// Claiming and reading what to send in one statement, so they cannot come
/// apart; SKIP LOCKED lets two claims of one loop (a handover) never wait on
/// or take the same rows.
struct ClaimDue: PGPreparedStatement {
    static let sql = PostgresPool.numbered(
        """
        UPDATE deliveries AS d SET status = 'sending', updated_at = ?, lease_holder = ?, lease_id = ?,
            lease_expires_at = ?
        WHERE d.seq IN (
            SELECT seq FROM deliveries WHERE loop_id = ? AND status = 'queued' AND due_at <= ?
            ORDER BY due_at LIMIT ? FOR UPDATE SKIP LOCKED)
        RETURNING d.seq, d.id, d.loop_id, d.webhook_id, d.format, d.attempts, d.body, d.created_at,
            CASE WHEN d.body IS NULL THEN (SELECT variables FROM events WHERE events.seq = d.event_seq) END
                AS variables
        """)
    let binds: [PGValue]
}

/// Each result written only while its lease still holds; every attempt
/// recorded whether or not it did (unless its delivery is gone); the loops'
/// owners woken if a written result is a retry.
struct RecordResults: PGPreparedStatement {
    static let sql = PostgresPool.numbered(
        """
        WITH v AS (
            SELECT * FROM unnest(
                ?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::bytea[], ?::bigint[], ?::text[], ?::text[],
                ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::bytea[], ?::text[])
            AS v(seq, delivery_id, status, due, body, last_status, last_error, lease, started_at, duration_ms,
                error_class, response_headers, response_body, request_headers)),
        u AS (
            UPDATE deliveries SET status = v.status, attempts = attempts + 1, due_at = v.due,
                body = COALESCE(deliveries.body, v.body), updated_at = ?, last_status = v.last_status,
                last_error = v.last_error, lease_holder = NULL, lease_id = NULL, lease_expires_at = NULL
            FROM v
            WHERE deliveries.seq = v.seq AND deliveries.status = 'sending' AND deliveries.lease_id = v.lease
            RETURNING deliveries.seq, deliveries.status),
        a AS (
            INSERT INTO delivery_attempts (
                delivery_id, started_at, duration_ms, status, error_class, error, response_headers, response_body,
                request_headers)
            SELECT v.delivery_id, v.started_at, v.duration_ms, v.last_status, v.error_class, v.last_error,
                v.response_headers, v.response_body, v.request_headers
            FROM v WHERE v.delivery_id IN (SELECT id FROM deliveries)
            RETURNING 1),
        n AS (SELECT pg_notify('\(PostgresStore.channel)', '') WHERE EXISTS (SELECT 1 FROM u WHERE status = 'queued'))
        SELECT u.seq, (SELECT count(*) FROM a) AS attempts, (SELECT count(*) FROM n) AS notified FROM u
        """)
    let binds: [PGValue]

    init(_ results: ArraySlice<DeliveryResult>, now: Date) {
        let next: [(status: DeliveryStatus, due: Date)] = results.map { result in
            switch result.next {
            case .succeeded: (.succeeded, now)
            case .failed: (.failed, now)
            case .retry(let at): (.queued, at)
            }
        }
        let attempts = results.map(\.attempt)
        binds = [
            .int64s(results.map(\.delivery.seq)), .texts(results.map(\.delivery.id)),
            .texts(next.map(\.status.rawValue)), .int64s(next.map(\.due.milliseconds)),
            .blobs(results.map(\.storedBody)),
            .int64s(attempts.map { $0.status.map(Int64.init) }), .texts(attempts.map(\.error)),
            .texts(results.map(\.delivery.lease)), .int64s(attempts.map(\.startedAt.milliseconds)),
            .int64s(attempts.map { Int64($0.durationMilliseconds) }), .texts(attempts.map(\.errorClass)),
            .texts(attempts.map(\.responseHeadersColumn)),
            .blobs(attempts.map(\.responseBody)),
            .texts(attempts.map(\.requestHeadersColumn)),
            .int64(now.milliseconds),
        ]
    }
}

/// The loops' health after a batch of results: when each last succeeded, or
/// since when it fails (`ok` is 1 for a success, 0 otherwise).
struct RecordLoopHealth: PGPreparedStatement {
    static let sql = PostgresPool.numbered(
        """
        UPDATE loops SET
            last_success_at = CASE WHEN v.ok = 1 THEN ? ELSE loops.last_success_at END,
            failing_since = CASE WHEN v.ok = 1 THEN NULL ELSE COALESCE(loops.failing_since, v.at) END
        FROM unnest(?::text[], ?::bigint[], ?::bigint[]) AS v(id, ok, at)
        WHERE loops.id = v.id
        """)
    let binds: [PGValue]
}
