import Foundation
import RicochetCore

extension StoredRecord {
    /// Statistics from the rows of three queries: per bucket and type
    /// (`bucket`, `type`, `total`, `uniq`, `machine`), per type, and per
    /// clicked link (`url`, `total`, `uniq`).
    public static func statistics(
        query: StatisticsQuery, bucketMilliseconds: Int64, perBucket: [some StoreRow], totals: [some StoreRow],
        links: [some StoreRow]
    ) throws -> Statistics {
        let from = query.from.milliseconds
        let bucketCount = Int((query.to.milliseconds - from + bucketMilliseconds - 1) / bucketMilliseconds)
        var buckets = (0..<max(bucketCount, 0)).map { index in
            Statistics.Bucket(start: Date(milliseconds: from + Int64(index) * bucketMilliseconds), counts: [:])
        }
        for row in perBucket {
            let index = Int(try row.int64("bucket"))
            guard buckets.indices.contains(index), let type = EventType(rawValue: try row.text("type")) else {
                continue
            }
            buckets[index].counts[type] = try counts(row)
        }
        var totalCounts: [EventType: EventCounts] = [:]
        for row in totals {
            guard let type = EventType(rawValue: try row.text("type")) else { continue }
            totalCounts[type] = try counts(row)
        }
        return Statistics(
            totals: totalCounts, buckets: buckets,
            links: try links.map { row in
                Statistics.Link(
                    url: row.optionalText("url") ?? "", clicks: Int(try row.int64("total")),
                    unique: Int(try row.int64("uniq")))
            })
    }

    private static func counts(_ row: some StoreRow) throws -> EventCounts {
        EventCounts(
            total: Int(try row.int64("total")), unique: Int(try row.int64("uniq")),
            machine: Int(try row.int64("machine")))
    }
}
