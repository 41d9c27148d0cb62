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

        return try StoredRecord.statistics(
            query: query, bucketMilliseconds: bucketMilliseconds, perBucket: perBucket, totals: totals, links: links)
    }
}
