import Foundation
import RicochetCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func statistics(of account: Account.ID, matching query: StatisticsQuery) async throws -> Statistics {
        let bucketMilliseconds = Int64(query.interval.components.seconds * 1000)
        let from = query.from.milliseconds
        var conditions = "account_id = ? AND occurred_at >= ? AND occurred_at < ?"
        var binds: [SQLiteData] = [.text(account), .int64(from), .int64(query.to.milliseconds)]
        if let tag = query.tag {
            conditions += " AND EXISTS (SELECT 1 FROM json_each(events.variables, '$.tags') WHERE value = ?)"
            binds.append(.text(tag))
        }
        let perBucket = try await database.read(
            """
            SELECT (occurred_at - ?) / ? AS bucket, type, count(*) AS total,
                count(DISTINCT message_id) AS uniq, count(machine_reason) AS machine
            FROM events WHERE \(conditions) GROUP BY bucket, type
            """,
            [.int64(from), .int64(bucketMilliseconds)] + binds)
        let totals = try await database.read(
            """
            SELECT type, count(*) AS total, count(DISTINCT message_id) AS uniq, count(machine_reason) AS machine
            FROM events WHERE \(conditions) GROUP BY type
            """,
            binds)
        let links = try await database.read(
            """
            SELECT json_extract(variables, '$.original') AS url, count(*) AS total, count(DISTINCT message_id) AS uniq
            FROM events WHERE \(conditions) AND type = 'click'
            GROUP BY url ORDER BY total DESC, url LIMIT 100
            """,
            binds)

        let bucketCount = Int((query.to.milliseconds - from + bucketMilliseconds - 1) / bucketMilliseconds)
        var buckets = (0..<max(bucketCount, 0)).map { index in
            Statistics.Bucket(start: Date(milliseconds: from + Int64(index) * bucketMilliseconds), counts: [:])
        }
        for row in perBucket {
            let index = Int(try row.int64("bucket"))
            guard buckets.indices.contains(index), let type = EventType(rawValue: try row.text("type")) else {
                continue
            }
            buckets[index].counts[type] = try Self.counts(row)
        }
        var totalCounts: [EventType: EventCounts] = [:]
        for row in totals {
            guard let type = EventType(rawValue: try row.text("type")) else { continue }
            totalCounts[type] = try Self.counts(row)
        }
        return Statistics(
            totals: totalCounts, buckets: buckets,
            links: try links.map { row in
                Statistics.Link(
                    url: row.column("url")?.string ?? "", clicks: Int(try row.int64("total")),
                    unique: Int(try row.int64("uniq")))
            })
    }

    private static func counts(_ row: SQLiteRow) throws -> EventCounts {
        EventCounts(
            total: Int(try row.int64("total")), unique: Int(try row.int64("uniq")),
            machine: Int(try row.int64("machine")))
    }
}
