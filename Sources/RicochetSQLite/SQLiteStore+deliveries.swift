import Foundation
import RicochetCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func renewLeases(holder: String, until: Date) async throws -> Int {
        try await database.writeStatement(
            "UPDATE deliveries SET lease_expires_at = ? WHERE status = 'sending' AND lease_holder = ? RETURNING seq",
            [.int64(until.milliseconds), .text(holder)]
        ).count
    }

    public func rescueExpiredLeases(now: Date) async throws -> Int {
        let rescued = try await database.writeStatement(
            """
            UPDATE deliveries SET status = 'queued', updated_at = ?, lease_holder = NULL, lease_id = NULL,
                lease_expires_at = NULL
            WHERE status = 'sending' AND lease_expires_at <= ?
            RETURNING seq
            """,
            [.int64(now.milliseconds), .int64(now.milliseconds)]
        ).count
        if rescued > 0 { eventsCommitted() }
        return rescued
    }

    public func deliverableLoops() async throws -> [FeedbackLoop] {
        try await database.read(
            "SELECT \(Self.loopColumns) FROM loops WHERE status = 'validated' AND disabled_at IS NULL ORDER BY id"
        ).map(StoredRecord.loop(from:))
    }

    public func nextDue(loop: FeedbackLoop.ID) async throws -> Date? {
        try await database.read(
            "SELECT MIN(due_at) AS due FROM deliveries WHERE loop_id = ? AND status = 'queued'", [.text(loop)]
        ).first?.optionalInt64("due").map(Date.init(milliseconds:))
    }

    public func due(loop: FeedbackLoop.ID, now: Date, limit: Int) async throws -> (count: Int, oldest: Date?) {
        let row = try await database.read(
            """
            SELECT COUNT(*) AS count, MIN(due_at) AS oldest FROM (
                SELECT due_at FROM deliveries WHERE loop_id = ? AND status = 'queued' AND due_at <= ?
                ORDER BY due_at LIMIT ?)
            """,
            [.text(loop), .int64(now.milliseconds), .int64(Int64(limit))]
        ).first
        return (Int(row?.optionalInt64("count") ?? 0), row?.optionalInt64("oldest").map(Date.init(milliseconds:)))
    }

    public func claimDue(loop: FeedbackLoop.ID, now: Date, limit: Int, lease: DeliveryLease) async throws
        -> [ClaimedDelivery]
    {
        // One statement: claiming and reading what to send cannot come apart.
        let rows = try await database.writeStatement(
            """
            UPDATE deliveries SET status = 'sending', updated_at = ?, lease_holder = ?, lease_id = ?,
                lease_expires_at = ?
            WHERE seq IN (
                SELECT seq FROM deliveries WHERE loop_id = ? AND status = 'queued' AND due_at <= ?
                ORDER BY due_at LIMIT ?)
            RETURNING seq, id, loop_id, webhook_id, format, attempts, body, created_at,
                CASE WHEN body IS NULL THEN (SELECT variables FROM events WHERE events.seq = event_seq) END
                    AS variables
            """,
            [
                .int64(now.milliseconds), .text(lease.holder), .text(lease.id), .int64(lease.expiresAt.milliseconds),
                .text(loop), .int64(now.milliseconds), .int64(Int64(limit)),
            ])
        return try rows.map { row in
            let id = try row.text("id")
            guard let format = PayloadFormat(rawValue: try row.text("format")) else {
                throw StoreError.corrupt("delivery \(id): format")
            }
            let body = row.column("body")?.blob.map { Array($0.readableBytesView) }
            let variables = row.column("variables")?.string
            return ClaimedDelivery(
                seq: try row.int64("seq"), id: id, lease: lease.id, loopID: try row.text("loop_id"),
                webhookID: try row.text("webhook_id"), format: format, attempts: Int(try row.int64("attempts")),
                body: body, variablesJSON: variables, createdAt: Date(milliseconds: try row.int64("created_at")))
        }
    }

    public func release(_ deliveries: [ClaimedDelivery], now: Date) async throws {
        for start in stride(from: 0, to: deliveries.count, by: 5000) {
            let chunk = deliveries[start..<min(start + 5000, deliveries.count)]
            try await database.writeStatement(
                """
                UPDATE deliveries SET status = 'queued', updated_at = ?, lease_holder = NULL, lease_id = NULL,
                    lease_expires_at = NULL
                FROM (VALUES \(Array(repeating: "(?, ?)", count: chunk.count).joined(separator: ", "))) AS v
                WHERE deliveries.seq = v.column1 AND deliveries.lease_id = v.column2 AND deliveries.status = 'sending'
                """,
                [.int64(now.milliseconds)] + chunk.flatMap { [SQLiteData.int64($0.seq), .text($0.lease)] })
        }
    }

    public func record(_ results: [DeliveryResult], now: Date) async throws -> Int {
        guard !results.isEmpty else { return 0 }
        return try await database.write { connection in
            var written = Set<Int64>()
            // Many rows a statement: each statement is a trip to SQLite's thread.
            for start in stride(from: 0, to: results.count, by: Self.resultsPerStatement) {
                let chunk = results[start..<min(start + Self.resultsPerStatement, results.count)]
                for row in try await connection.query(
                    """
                    UPDATE deliveries SET status = v.status, attempts = attempts + 1, due_at = v.due,
                        body = COALESCE(deliveries.body, v.body), updated_at = ?, last_status = v.last_status,
                        last_error = v.last_error, lease_holder = NULL, lease_id = NULL, lease_expires_at = NULL
                    FROM (SELECT column1 AS seq, column2 AS status, column3 AS due, column4 AS body,
                        column5 AS last_status, column6 AS last_error, column7 AS lease
                        FROM (VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")))) AS v
                    WHERE deliveries.seq = v.seq AND deliveries.status = 'sending' AND deliveries.lease_id = v.lease
                    RETURNING deliveries.seq
                    """,
                    [.int64(now.milliseconds)] + chunk.flatMap { Self.deliveryUpdate($0, now: now) })
                {
                    written.insert(try row.int64("seq"))
                }
                // The attempt was made whether or not its lease held: it is
                // logged for every delivery that still exists.
                _ = try await connection.query(
                    """
                    INSERT INTO delivery_attempts (
                        delivery_id, started_at, duration_ms, status, error_class, error, response_headers,
                        response_body, request_headers)
                    SELECT * FROM (VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")))
                    WHERE column1 IN (SELECT id FROM deliveries)
                    """,
                    chunk.flatMap(Self.attemptRow))
            }
            let current = results.filter { written.contains($0.delivery.seq) }
            // Loop state: the last outcome per loop decides success or failure.
            var lastByLoop: [FeedbackLoop.ID: DeliveryResult] = [:]
            for result in current { lastByLoop[result.delivery.loopID] = result }
            for (loop, result) in lastByLoop {
                if result.next == .succeeded {
                    _ = try await connection.query(
                        "UPDATE loops SET last_success_at = ?, failing_since = NULL WHERE id = ?",
                        [.int64(now.milliseconds), .text(loop)])
                } else {
                    _ = try await connection.query(
                        "UPDATE loops SET failing_since = COALESCE(failing_since, ?) WHERE id = ?",
                        [.int64(result.attempt.startedAt.milliseconds), .text(loop)])
                }
            }
            for result in current {
                guard let reason = result.disableLoop else { continue }
                self.loopsChanged()
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

    /// 8 values a row at most: well under SQLite's limit of 32,766 per statement.
    static let resultsPerStatement = 500

    private static func deliveryUpdate(_ result: DeliveryResult, now: Date) -> [SQLiteData] {
        let status: DeliveryStatus
        var due = now
        switch result.next {
        case .succeeded: status = .succeeded
        case .failed: status = .failed
        case .retry(let at):
            status = .queued
            due = at
        }
        return [
            .int64(result.delivery.seq), .text(status.rawValue), .int64(due.milliseconds),
            result.storedBody.map { .blob(ByteBuffer(bytes: $0)) } ?? .null,
            result.attempt.status.map { .integer($0) } ?? .null,
            result.attempt.error.map(SQLiteData.text) ?? .null, .text(result.delivery.lease),
        ]
    }

    private static func attemptRow(_ result: DeliveryResult) -> [SQLiteData] {
        let attempt = result.attempt
        return [
            .text(result.delivery.id), .int64(attempt.startedAt.milliseconds), .integer(attempt.durationMilliseconds),
            attempt.status.map { .integer($0) } ?? .null, attempt.errorClass.map(SQLiteData.text) ?? .null,
            attempt.error.map(SQLiteData.text) ?? .null, .text(attempt.responseHeadersColumn),
            .blob(ByteBuffer(bytes: attempt.responseBody)),
            .text(attempt.requestHeadersColumn),
        ]
    }

    /// A JSON body is not stored: it is its event's variables byte for byte
    /// (`DeliveryResult.storedBody`, `ClaimedDelivery.payload()`), so `body`
    /// falls back to them.
    private static let deliveryColumns = """
        d.seq, d.id, d.loop_id, e.id AS event_id, e.type AS event_type, d.webhook_id, d.format, d.status,
        d.attempts, d.due_at,
        COALESCE(d.body, CASE WHEN d.format = 'json' THEN CAST(e.variables AS BLOB) END) AS body,
        d.created_at, d.updated_at, d.last_status, d.last_error,
        (SELECT a.duration_ms FROM delivery_attempts a WHERE a.delivery_id = d.id ORDER BY a.id DESC LIMIT 1)
            AS last_duration_ms
        """

    public func deliveries(
        of loop: FeedbackLoop.ID, account: Account.ID, status: DeliveryStatus?, before: Int64?, limit: Int
    ) async throws -> [DeliveryRecord] {
        var conditions = ["d.loop_id = ?", "d.account_id = ?"]
        var binds: [SQLiteData] = [.text(loop), .text(account)]
        if let status {
            conditions.append("d.status = ?")
            binds.append(.text(status.rawValue))
        }
        if let before {
            conditions.append("d.seq < ?")
            binds.append(.int64(before))
        }
        binds.append(.int64(Int64(limit)))
        return try await database.read(
            """
            SELECT \(Self.deliveryColumns) FROM deliveries d JOIN events e ON e.seq = d.event_seq
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY d.seq DESC LIMIT ?
            """,
            binds
        ).map(StoredRecord.deliveryRecord(from:))
    }

    public func delivery(_ id: String, account: Account.ID) async throws -> (DeliveryRecord, [DeliveryAttempt])? {
        guard
            let row = try await database.read(
                """
                SELECT \(Self.deliveryColumns) FROM deliveries d JOIN events e ON e.seq = d.event_seq
                WHERE d.id = ? AND d.account_id = ?
                """,
                [.text(id), .text(account)]
            ).first
        else { return nil }
        let attempts = try await database.read(
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
        let ids = loops.map(SQLiteData.text)
        var activity: [FeedbackLoop.ID: LoopActivity] = [:]
        for row in try await database.read(
            """
            SELECT d.loop_id, COUNT(*) AS attempts,
                SUM(CASE WHEN a.status BETWEEN 200 AND 299 THEN 1 ELSE 0 END) AS succeeded
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
        for row in try await database.read(
            """
            SELECT loop_id, COUNT(*) AS waiting FROM deliveries
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
        try await !database.writeStatement(
            """
            UPDATE deliveries SET status = 'queued', due_at = ?, updated_at = ?
            WHERE id = ? AND account_id = ? AND status != 'sending'
            RETURNING seq
            """,
            [.int64(now.milliseconds), .int64(now.milliseconds), .text(id), .text(account)]
        ).isEmpty
    }

    public func recover(loop: FeedbackLoop.ID, account: Account.ID, since: Date, now: Date) async throws -> Int {
        let requeued = try await database.writeStatement(
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
        if requeued > 0 { eventsCommitted() }
        return requeued
    }

    public func replay(loop: FeedbackLoop.ID, account: Account.ID, since: Date, until: Date, now: Date) async throws
        -> Int
    {
        let queued = try await database.write { connection in
            guard
                let row = try await connection.query(
                    "SELECT \(Self.loopColumns) FROM loops WHERE id = ? AND account_id = ?",
                    [.text(loop), .text(account)]
                ).first
            else { return 0 }
            let subscription = LoopSubscription(try StoredRecord.loop(from: row))
            guard !subscription.events.isEmpty else { return 0 }
            let types = subscription.events.sorted().map { SQLiteData.text($0.rawValue) }
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
                let events = try rows.map { row in
                    let id = try row.text("id")
                    guard let type = EventType(rawValue: try row.text("type")) else {
                        throw StoreError.corrupt("event \(id): type")
                    }
                    return (id: id, accountID: account, type: type)
                }
                let deliveries = DeliveryPlanner.replay(events, to: subscription)
                try await Self.insert(deliveries, now: now, on: connection)
                queued += deliveries.count
                guard rows.count == Self.replayPage, let last = rows.last else { return queued }
                after = try last.int64("seq")
            }
        }
        if queued > 0 { eventsCommitted() }
        return queued
    }

    static let replayPage = 5000

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
                let chunk = try await database.writeStatement(statement, [.int64(cutoff.milliseconds)]).count
                removed += chunk
                if chunk < Self.pruneChunk { break }
            }
        }
        return removed
    }

    static let pruneChunk = 5000
}
