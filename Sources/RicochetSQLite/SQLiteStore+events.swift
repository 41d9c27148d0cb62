import Foundation
import RicochetCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func insert(_ events: [Event]) async throws {
        guard !events.isEmpty else { return }
        try await database.withWriter { connection in
            let deliveries = try await self.planner(on: connection).plan(events)
            if events.count <= Self.eventsPerStatement {
                // One statement in its own transaction: one trip to SQLite's thread.
                try await Self.record(events, with: deliveries, now: Date(), on: connection)
            } else {
                try await SQLiteDatabaseFile.transaction(on: connection) { connection in
                    try await Self.record(events, with: deliveries, now: Date(), on: connection)
                }
            }
        }
        eventsCommitted()
    }

    /// A write transaction that records events: once it commits, whoever
    /// watches for new events (the dispatcher) hears of it.
    func writeRecordingEvents<T: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        let result = try await database.write(body)
        eventsCommitted()
        return result
    }

    public func onEventsCommitted(_ observer: @escaping @Sendable () -> Void) {
        eventObservers.withLock { $0.append(observer) }
    }

    func eventsCommitted() {
        for observer in eventObservers.withLock({ $0 }) { observer() }
    }

    /// Records events and the deliveries they queue inside the caller's
    /// transaction: wherever an event is recorded, it commits with the change
    /// it reports and with its deliveries.
    func record(_ events: [Event], on connection: SQLiteConnection) async throws {
        try await Self.record(
            events, with: try await planner(on: connection).plan(events), now: Date(), on: connection)
    }

    static func insertStatement(rows: Int) -> String {
        """
        INSERT INTO events (id, account_id, type, message_id, occurred_at, machine_reason, variables)
        VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", "))
        """
    }

    /// The values of `events`' columns, in the order of ``insertStatement(rows:)``.
    static func eventBinds(_ event: Event) -> [SQLiteData] {
        [
            .text(event.id), .text(event.accountID), .text(event.type.rawValue),
            event.message.map { .text($0.description) } ?? .null, .int64(event.occurredAt.milliseconds),
            event.machineReason.map(SQLiteData.text) ?? .null, .text(JSONPayloadEncoder.encode(event.variables)),
        ]
    }

    /// 9 values a row at most, well under SQLite's limit of 32,766 per statement.
    static let eventsPerStatement = 500

    public func events(of account: Account.ID, matching query: EventQuery) async throws -> EventPage {
        var conditions = ["account_id = ?"]
        var binds: [SQLiteData] = [.text(account)]
        if let type = query.type {
            conditions.append("type = ?")
            binds.append(.text(type.rawValue))
        }
        if let message = query.message {
            conditions.append("message_id = ?")
            binds.append(.text(message.description))
        }
        if let tag = query.tag {
            conditions.append("EXISTS (SELECT 1 FROM json_each(variables, '$.tags') WHERE value = ?)")
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
        binds.append(.int64(Int64(query.limit + 1)))
        let rows = try await database.read(
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
