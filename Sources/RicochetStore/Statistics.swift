import Foundation
import RicochetCore

/// Counts of one event type in one period.
public struct EventCounts: Sendable, Equatable {
    public var total: Int
    /// Distinct messages: unique opens and clicks are per message.
    public var unique: Int
    public var machine: Int

    public var human: Int { total - machine }

    public init(total: Int = 0, unique: Int = 0, machine: Int = 0) {
        self.total = total
        self.unique = unique
        self.machine = machine
    }
}

/// The general statistics of an account over a range.
public struct Statistics: Sendable, Equatable {
    public struct Bucket: Sendable, Equatable {
        public let start: Date
        public var counts: [EventType: EventCounts]

        public init(start: Date, counts: [EventType: EventCounts]) {
            self.start = start
            self.counts = counts
        }
    }

    public struct Link: Sendable, Equatable {
        public let url: String
        public let clicks: Int
        public let unique: Int

        public init(url: String, clicks: Int, unique: Int) {
            self.url = url
            self.clicks = clicks
            self.unique = unique
        }
    }

    public var totals: [EventType: EventCounts]
    /// Every period of the range in order, empty ones included.
    public var buckets: [Bucket]
    /// Most clicked first.
    public var links: [Link]

    public init(totals: [EventType: EventCounts], buckets: [Bucket], links: [Link]) {
        self.totals = totals
        self.buckets = buckets
        self.links = links
    }
}

/// Which events the statistics count.
public struct StatisticsQuery: Sendable, Equatable {
    public var from: Date
    public var to: Date
    public var tag: String?
    public var interval: Duration

    public init(from: Date, to: Date, tag: String? = nil, interval: Duration) {
        self.from = from
        self.to = to
        self.tag = tag
        self.interval = interval
    }
}

/// The counting behind the general statistics.
public protocol StatisticsStore: Sendable {
    func statistics(of account: Account.ID, matching query: StatisticsQuery) async throws -> Statistics
}
