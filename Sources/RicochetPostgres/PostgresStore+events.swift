import Foundation
import PostgresNIO
import RicochetCore
import RicochetStore

/// Events and the deliveries they queue. The deliveries are planned in Swift
/// (``DeliveryPlanner``) from the loops' subscriptions as this node last read
/// them; events, deliveries and the notification that wakes the loops'
/// owners then go to the server as one statement, which inserts only if the
/// subscriptions' version in its snapshot is the one planned from, and
/// otherwise nothing — then the subscriptions are read again and the
/// statement sent again. One round trip a commit, unless the loops changed.
///
/// A loop change that commits while the statement runs is after it, as if the
/// events had come a moment sooner; only a loop deleted meanwhile cannot be
/// referenced, and the statement is tried again.
extension PostgresStore {
    public func insert(_ events: [Event]) async throws {
        guard !events.isEmpty else { return }
        for start in stride(from: 0, to: events.count, by: Self.eventsPerStatement) {
            let chunk = Array(events[start..<min(start + Self.eventsPerStatement, events.count)])
            try await record(chunk, on: pool, retryingDeletedLoops: true)
        }
        eventsCommitted()
    }

    /// Records events and their deliveries inside the caller's transaction
    /// (or alone, on the pool, where a statement that failed on a loop
    /// deleted meanwhile can be sent again).
    func record(_ events: [Event], on connection: some PGQuerying, retryingDeletedLoops: Bool = false)
        async throws
    {
        while true {
            let current: VersionedPlanner
            if let cached = planners.withLock({ $0 }) {
                current = cached
            } else {
                current = try await Self.readPlanner(on: connection)
                planners.withLock { $0 = current }
            }
            do {
                if try await Self.record(events, planner: current, on: connection) { return }
            } catch  where retryingDeletedLoops && error.isForeignKeyViolation {
                // Read again below.
            }
            planners.withLock { if $0?.version == current.version { $0 = nil } }
        }
    }

    /// The version first, then the subscriptions: a change between the two
    /// leaves the version behind what was read, and the insert refuses it.
    static func readPlanner(on connection: some PGQuerying) async throws -> VersionedPlanner {
        guard
            let version = try await connection.query("SELECT version FROM loop_version WHERE id = 1").first?
                .optionalInt64("version")
        else { throw StoreError.corrupt("loop_version: no row") }
        let planner = try StoredRecord.planner(
            from: try await connection.query(
                """
                SELECT l.id, l.account_id, l.format, s.event_type FROM loops l
                JOIN loop_subscriptions s ON s.loop_id = l.id
                WHERE l.status = 'validated' AND l.disabled_at IS NULL
                """))
        return VersionedPlanner(version: version, planner: planner)
    }

    /// Whether the events went in: false when the loops changed since
    /// `planner` was read.
    static func record(_ events: [Event], planner versioned: VersionedPlanner, on connection: some PGQuerying)
        async throws -> Bool
    {
        let deliveries = versioned.planner.plan(events)
        let now = Date().milliseconds
        let rows = try await connection.execute(
            RecordEvents(binds: [
                .int64(versioned.version),
                .texts(events.map(\.id)), .texts(events.map(\.accountID)), .texts(events.map(\.type.rawValue)),
                .texts(events.map { $0.message?.description }), .int64s(events.map(\.occurredAt.milliseconds)),
                .texts(events.map(\.machineReason)), .texts(events.map { JSONPayloadEncoder.encode($0.variables) }),
                .int64(now), .int64(now), .int64(now),
                .texts(deliveries.map(\.id)), .texts(deliveries.map(\.loopID)), .texts(deliveries.map(\.eventID)),
                .texts(deliveries.map(\.format.rawValue)),
            ]))
        return (rows.first?.optionalInt64("inserted") ?? 0) > 0
    }

    /// Events a statement: a commit's worth of hits, and a bound on one statement's size.
    static let eventsPerStatement = 1000

    public func onEventsCommitted(_ observer: @escaping @Sendable () -> Void) {
        eventObservers.withLock { $0.append(observer) }
        startListening()
    }

    func eventsCommitted() {
        for observer in eventObservers.withLock({ $0 }) { observer() }
    }

    public func events(of account: Account.ID, matching query: EventQuery) async throws -> EventPage {
        var conditions = ["account_id = ?"]
        var binds: [PGValue] = [.text(account)]
        if let type = query.type {
            conditions.append("type = ?")
            binds.append(.text(type.rawValue))
        }
        if let message = query.message {
            conditions.append("message_id = ?")
            binds.append(.text(message.description))
        }
        if let tag = query.tag {
            conditions.append("(variables::jsonb -> 'tags') @> jsonb_build_array(?::text)")
            binds.append(.text(tag))
        }
        if let since = query.since {
            conditions.append("occurred_at >= ?")
            binds.append(.int64(since.milliseconds))
        }
        if let until = query.until {
            conditions.append("occurred_at < ?")
            binds.append(.int64(until.milliseconds))
        }
        if let before = query.before {
            conditions.append("seq < ?")
            binds.append(.int64(before))
        }
        binds.append(.integer(query.limit + 1))
        let rows = try await pool.query(
            """
            SELECT seq, id, account_id, type, message_id, occurred_at, machine_reason, variables FROM events
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq DESC LIMIT ?
            """,
            binds)
        let page = rows.prefix(query.limit)
        let events = try page.map(StoredRecord.event(from:))
        let next = rows.count > query.limit ? try page.last.map { try $0.int64("seq") } : nil
        return EventPage(events: events, next: next)
    }
}

/// The delivery planner, and the `loop_version` it was read at.
struct VersionedPlanner: Sendable {
    let version: Int64
    let planner: DeliveryPlanner
}

/// Events, their deliveries and the notification that wakes the loops'
/// owners, if the loops are still at the version planned from. Columns go as
/// arrays, unnested by the server: one text for any number of rows, parsed
/// once per connection.
struct RecordEvents: PGPreparedStatement {
    static let sql = PostgresPool.numbered(
        """
        WITH v AS (SELECT version FROM loop_version WHERE id = 1 AND version = ?),
        e AS (
            INSERT INTO events (id, account_id, type, message_id, occurred_at, machine_reason, variables)
            SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[])
            WHERE EXISTS (SELECT 1 FROM v)
            RETURNING seq, id, account_id),
        d AS (
            INSERT INTO deliveries (
                id, loop_id, account_id, event_seq, webhook_id, format, status, due_at, created_at, updated_at)
            SELECT p.id, p.loop, e.account_id, e.seq, e.id, p.format, 'queued', ?, ?, ?
            FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) AS p(id, loop, event, format)
            JOIN e ON e.id = p.event
            RETURNING 1),
        n AS (SELECT pg_notify('\(PostgresStore.channel)', '') WHERE EXISTS (SELECT 1 FROM d))
        SELECT (SELECT count(*) FROM e) AS inserted, (SELECT count(*) FROM n) AS notified
        """)
    let binds: [PGValue]
}
