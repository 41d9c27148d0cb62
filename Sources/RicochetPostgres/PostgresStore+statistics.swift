import Foundation
import RicochetCore
import RicochetStore

extension PostgresStore {
    public func statistics(of account: Account.ID, matching query: StatisticsQuery) async throws -> Statistics {
        let bucketMilliseconds = Int64(query.interval.components.seconds * 1000)
        let from = query.from.milliseconds
        var conditions = "account_id = ? AND occurred_at >= ? AND occurred_at < ?"
        var binds: [PGValue] = [.text(account), .int64(from), .int64(query.to.milliseconds)]
        if let tag = query.tag {
            conditions += " AND (variables::jsonb -> 'tags') @> jsonb_build_array(?::text)"
            binds.append(.text(tag))
        }
        let perBucket = try await pool.query(
            """
            SELECT ((occurred_at - ?) / ?)::bigint AS bucket, type, count(*)::bigint AS total,
                count(DISTINCT message_id)::bigint AS uniq, count(machine_reason)::bigint AS machine
            FROM events WHERE \(conditions) GROUP BY bucket, type
            """,
            [.int64(from), .int64(bucketMilliseconds)] + binds)
        let totals = try await pool.query(
            """
            SELECT type, count(*)::bigint AS total, count(DISTINCT message_id)::bigint AS uniq,
                count(machine_reason)::bigint AS machine
            FROM events WHERE \(conditions) GROUP BY type
            """,
            binds)
        let links = try await pool.query(
            """
            SELECT variables::jsonb ->> 'original' AS url, count(*)::bigint AS total,
                count(DISTINCT message_id)::bigint AS uniq
            FROM events WHERE \(conditions) AND type = 'click'
            GROUP BY url ORDER BY total DESC, url LIMIT 100
            """,
            binds)
        return try StoredRecord.statistics(
            query: query, bucketMilliseconds: bucketMilliseconds, perBucket: perBucket, totals: totals, links: links)
    }
}
