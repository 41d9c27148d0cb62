import Foundation
import RicochetCore
import RicochetStore
import SQLiteNIO

/// Fan-out: the deliveries an event queues are planned in Swift
/// (``DeliveryPlanner``) and written in the transaction that records it.
///
/// The planner is built from the loops as stored and kept until a loop
/// changes. Every write of a loop goes through this store's writer and drops
/// it before its transaction commits, and every event is planned while that
/// same writer is held, so an event committed after a loop change is always
/// planned with the change: the snapshot is never stale where it is used.
/// (One process writes a SQLite file's loops: the server. The CLI's commands
/// beside it change accounts and users, never loops.)
extension SQLiteStore {
    /// Forgets the planner; the next event builds it again. Called inside
    /// every transaction that writes a loop.
    func loopsChanged() {
        fanOut.withLock { $0 = nil }
    }

    /// The planner for the loops as they stand, on the writer (held by the caller).
    func planner(on connection: SQLiteConnection) async throws -> DeliveryPlanner {
        if let planner = fanOut.withLock({ $0 }) { return planner }
        let planner = try StoredRecord.planner(
            from: try await connection.query(
                """
                SELECT l.id, l.account_id, l.format, s.event_type FROM loops l
                JOIN loop_subscriptions s ON s.loop_id = l.id
                WHERE l.status = 'validated' AND l.disabled_at IS NULL
                """))
        fanOut.withLock { $0 = planner }
        return planner
    }

    /// Writes planned deliveries of events already inserted in the caller's transaction.
    static func insert(_ deliveries: [PlannedDelivery], now: Date, on connection: SQLiteConnection) async throws {
        for start in stride(from: 0, to: deliveries.count, by: deliveriesPerStatement) {
            let chunk = deliveries[start..<min(start + deliveriesPerStatement, deliveries.count)]
            var binds: [SQLiteData] = [.int64(now.milliseconds)]
            binds.reserveCapacity(1 + chunk.count * 4)
            for delivery in chunk {
                binds += [
                    .text(delivery.id), .text(delivery.loopID), .text(delivery.eventID),
                    .text(delivery.format.rawValue),
                ]
            }
            _ = try await connection.query(
                """
                INSERT INTO deliveries (
                    id, loop_id, account_id, event_seq, webhook_id, format, status, due_at, created_at, updated_at)
                SELECT v.column1, v.column2, e.account_id, e.seq, e.id, v.column4, 'queued', ?1, ?1, ?1
                FROM (VALUES \(Array(repeating: "(?, ?, ?, ?)", count: chunk.count).joined(separator: ", "))) AS v
                JOIN events e ON e.id = v.column3
                """,
                binds)
        }
    }

    /// 4 values a row: well under SQLite's limit of 32,766 per statement.
    static let deliveriesPerStatement = 1000
}
