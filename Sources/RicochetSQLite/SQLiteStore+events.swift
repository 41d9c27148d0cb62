import Foundation
import RicochetCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func insert(_ events: [Event]) async throws {
        guard !events.isEmpty else { return }
        try await database.withWriter { connection in
            let deliveries = try await self.planner(on: connection).plan(events)
            if deliveries.isEmpty, events.count <= Self.eventsPerStatement {
                // The common case without loops (a group commit of tracked hits
                // nobody subscribed to) as one statement in its own transaction:
                // one trip to SQLite's thread, not four.
                _ = try await connection.query(Self.insertStatement(rows: events.count), Self.binds(events))
            } else {
                try await SQLiteDatabaseFile.transaction(on: connection) { connection in
                    try await Self.insert(events, on: connection)
                    try await Self.insert(deliveries, now: Date(), on: connection)
                }
            }
        }
        eventsCommitted()
    }

    public func insert(_ events: [Event], suppressions: [SuppressionWrite]) async throws {
        guard !suppressions.isEmpty else { return try await insert(events) }
        try await writeRecordingEvents { connection in
            try await self.record(events + suppressions.events, on: connection)
            try await Self.apply(suppressions, on: connection)
        }
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
        try await Self.insert(events, on: connection)
        try await Self.insert(try await planner(on: connection).plan(events), now: Date(), on: connection)
    }

    private static func insert(_ events: [Event], on connection: SQLiteConnection) async throws {
        // Many rows a statement: each statement is a trip to SQLite's thread.
        for start in stride(from: 0, to: events.count, by: eventsPerStatement) {
            let chunk = events[start..<min(start + eventsPerStatement, events.count)]
            _ = try await connection.query(insertStatement(rows: chunk.count), binds(chunk))
        }
    }

    private static func insertStatement(rows: Int) -> String {
        """
        INSERT INTO events (id, account_id, type, message_id, occurred_at, machine_reason, variables)
        VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", "))
        """
    }

    private static func binds(_ events: some Collection<Event>) -> [SQLiteData] {
        var binds: [SQLiteData] = []
        binds.reserveCapacity(events.count * 7)
        for event in events {
            binds += [
                .text(event.id), .text(event.accountID), .text(event.type.rawValue),
                event.message.map { .text($0.description) } ?? .null, .int64(event.occurredAt.milliseconds),
                event.machineReason.map(SQLiteData.text) ?? .null, .text(JSONPayloadEncoder.encode(event.variables)),
            ]
        }
        return binds
    }

    /// 7 values a row, well under SQLite's limit of 32,766 per statement.
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
