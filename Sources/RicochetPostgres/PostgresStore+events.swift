import Foundation
import PostgresNIO
import RicochetCore
import RicochetStore

/// Events and the deliveries they queue. The loops' subscriptions are read,
/// the deliveries planned in Swift (``DeliveryPlanner``), and then events,
/// deliveries and the notification that wakes the loops' owners go to the
/// server as one statement: one round trip that commits all of it or none.
extension PostgresStore {
    public func insert(_ events: [Event]) async throws {
        guard !events.isEmpty else { return }
        for start in stride(from: 0, to: events.count, by: Self.eventsPerStatement) {
            let chunk = Array(events[start..<min(start + Self.eventsPerStatement, events.count)])
            try await Self.record(chunk, on: pool)
        }
        eventsCommitted()
    }

    /// Records events and their deliveries inside the caller's transaction
    /// (or alone, on the pool).
    static func record(_ events: [Event], on connection: some PGQuerying) async throws {
        let accounts = Array(Set(events.map(\.accountID)))
        let planner = try StoredRecord.planner(
            from: try await connection.query(
                """
                SELECT l.id, l.account_id, l.format, s.event_type FROM loops l
                JOIN loop_subscriptions s ON s.loop_id = l.id
                WHERE l.status = 'validated' AND l.disabled_at IS NULL
                    AND l.account_id IN (\(Array(repeating: "?", count: accounts.count).joined(separator: ", ")))
                """,
                accounts.map(PGValue.text)))
        let deliveries = planner.plan(events)
        var binds: [PGValue] = []
        binds.reserveCapacity(events.count * 7 + 3 + deliveries.count * 4)
        for event in events {
            binds += [
                .text(event.id), .text(event.accountID), .text(event.type.rawValue),
                event.message.map { .text($0.description) } ?? .null, .int64(event.occurredAt.milliseconds),
                event.machineReason.map(PGValue.text) ?? .null, .text(JSONPayloadEncoder.encode(event.variables)),
            ]
        }
        let eventRows = Array(repeating: "(?, ?, ?, ?::text, ?, ?::text, ?)", count: events.count)
            .joined(separator: ", ")
        guard !deliveries.isEmpty else {
            _ = try await connection.query(
                """
                INSERT INTO events (id, account_id, type, message_id, occurred_at, machine_reason, variables)
                VALUES \(eventRows)
                """, binds)
            return
        }
        let now = Date().milliseconds
        binds += [.int64(now), .int64(now), .int64(now)]
        for delivery in deliveries {
            binds += [
                .text(delivery.id), .text(delivery.loopID), .text(delivery.eventID), .text(delivery.format.rawValue),
            ]
        }
        _ = try await connection.query(
            """
            WITH e AS (
                INSERT INTO events (id, account_id, type, message_id, occurred_at, machine_reason, variables)
                VALUES \(eventRows)
                RETURNING seq, id, account_id),
            d AS (
                INSERT INTO deliveries (
                    id, loop_id, account_id, event_seq, webhook_id, format, status, due_at, created_at, updated_at)
                SELECT v.id, v.loop, e.account_id, e.seq, e.id, v.format, 'queued', ?, ?, ?
                FROM (VALUES \(Array(repeating: "(?::text, ?::text, ?::text, ?::text)", count: deliveries.count).joined(separator: ", ")))
                    AS v(id, loop, event, format)
                JOIN e ON e.id = v.event
                RETURNING 1)
            SELECT pg_notify('\(channel)', '') AS notified WHERE EXISTS (SELECT 1 FROM d)
            """,
            binds)
    }

    /// 7 values a row, well under PostgreSQL's 65,535 a statement with the deliveries beside them.
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
