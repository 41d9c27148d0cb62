import Foundation
import RicochetCore
import SQLiteNIO

/// Events and the deliveries they queue, written by one statement.
///
/// Each statement is a trip to SQLite's thread and back, and a transaction of
/// events with deliveries took four (`BEGIN`, the events, the deliveries,
/// `COMMIT`) on the writer that every group commit of hits and every claim
/// waits for. Inserting into `temp.recorded_events`, a view on the writer's
/// connection, does it in one: its trigger inserts each event, then the
/// deliveries listed with it (a JSON array of `[id, loop, format]`), and a
/// statement is atomic, so no event is ever written without its deliveries.
extension SQLiteStore {
    /// Made on the writer connection when the store opens, after migrations
    /// (`TEMP` objects live as long as their connection).
    static let recordingView = [
        """
        CREATE TEMP VIEW recorded_events (
            id, account_id, type, message_id, occurred_at, machine_reason, variables, deliveries, queued_at)
        AS SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
        """,
        """
        CREATE TEMP TRIGGER recorded_events_insert INSTEAD OF INSERT ON recorded_events BEGIN
            INSERT INTO events (id, account_id, type, message_id, occurred_at, machine_reason, variables)
            VALUES (NEW.id, NEW.account_id, NEW.type, NEW.message_id, NEW.occurred_at, NEW.machine_reason,
                NEW.variables);
            INSERT INTO deliveries (
                id, loop_id, account_id, event_seq, webhook_id, format, status, due_at, created_at, updated_at)
            SELECT d.value ->> 0, d.value ->> 1, NEW.account_id, (SELECT seq FROM events WHERE id = NEW.id),
                NEW.id, d.value ->> 2, 'queued', NEW.queued_at, NEW.queued_at, NEW.queued_at
            FROM json_each(NEW.deliveries) AS d;
        END
        """,
    ]

    /// Writes `events` with their `deliveries` on `connection` (the writer,
    /// held by the caller): one statement per ``eventsPerStatement`` events,
    /// straight into `events` where none of them queues a delivery (hits
    /// nobody subscribed to skip the trigger).
    static func record(
        _ events: some Collection<Event>, with deliveries: [PlannedDelivery], now: Date, on connection: SQLiteConnection
    ) async throws {
        var byEvent: [String: [PlannedDelivery]] = [:]
        for delivery in deliveries { byEvent[delivery.eventID, default: []].append(delivery) }
        let events = Array(events)
        for start in stride(from: 0, to: events.count, by: eventsPerStatement) {
            let chunk = events[start..<min(start + eventsPerStatement, events.count)]
            guard chunk.contains(where: { byEvent[$0.id] != nil }) else {
                _ = try await connection.query(insertStatement(rows: chunk.count), chunk.flatMap(eventBinds))
                continue
            }
            var binds: [SQLiteData] = []
            binds.reserveCapacity(chunk.count * 9)
            for event in chunk {
                binds += eventBinds(event)
                binds.append(byEvent[event.id].map { .text(deliveriesColumn($0)) } ?? .null)
                binds.append(.int64(now.milliseconds))
            }
            _ = try await connection.query(
                """
                INSERT INTO recorded_events (
                    id, account_id, type, message_id, occurred_at, machine_reason, variables, deliveries, queued_at)
                VALUES \(Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", "))
                """,
                binds)
        }
    }

    /// `[[id, loop, format], …]`.
    private static func deliveriesColumn(_ deliveries: [PlannedDelivery]) -> String {
        JSONPayloadEncoder.encode(
            .list(deliveries.map { .list([.string($0.id), .string($0.loopID), .string($0.format.rawValue)]) }))
    }
}
