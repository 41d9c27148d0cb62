import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// `GET /api/v1/statistics`: the general statistics, for those who do not
/// need events in real time — totals and uniques per type and period, machine
/// and human apart, and clicks per link.
struct StatisticsController<S: StatisticsStore>: Sendable {
    let store: S

    static var maximumBuckets: Int { 2000 }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("statistics", use: show)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> StatisticsView {
        let account = try context.requireAccount()
        let parameters = request.uri.queryParameters
        let known: Set<String> = ["from", "to", "tag", "interval"]
        try parameters.requireOnly(known)
        let intervalName = parameters["interval"].map(String.init) ?? "day"
        let seconds: Int64
        switch intervalName {
        case "hour": seconds = 3600
        case "day": seconds = 86400
        default: throw APIError.badRequest("interval must be hour or day", code: "invalid_field")
        }
        let now = Int64(Date().timeIntervalSince1970)
        let defaultTo = Date(timeIntervalSince1970: Double((now / seconds + 1) * seconds))
        let to = try parameters["to"].map { try QueryTime.parse($0, name: "to") } ?? defaultTo
        let from =
            try parameters["from"].map { try QueryTime.parse($0, name: "from") }
            ?? to.addingTimeInterval(-Double(seconds) * (seconds == 3600 ? 48 : 30))
        // Each time is as the document says; together they may still ask the impossible.
        guard from < to else { throw APIError.unprocessable("from must be before to", code: "invalid_range") }
        guard to.timeIntervalSince(from) / Double(seconds) <= Double(Self.maximumBuckets) else {
            throw APIError.unprocessable(
                "the range holds more than \(Self.maximumBuckets) \(intervalName)s; narrow it or use a longer interval",
                code: "invalid_range")
        }
        let statistics = try await store.statistics(
            of: account.id,
            matching: StatisticsQuery(
                from: from, to: to, tag: parameters["tag"].map(String.init), interval: .seconds(seconds)))
        return StatisticsView(
            statistics, from: from, to: to, interval: intervalName, tag: parameters["tag"].map(String.init))
    }
}

struct StatisticsView: ResponseEncodable {
    struct Counts: Encodable {
        let total: Int
        let unique: Int
        let human: Int
        let machine: Int

        init(_ counts: EventCounts?) {
            let counts = counts ?? EventCounts()
            total = counts.total
            unique = counts.unique
            human = counts.human
            machine = counts.machine
        }
    }

    struct Period: Encodable {
        let start: Date
        let counts: [String: Counts]

        enum CodingKeys: String, CodingKey { case start }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: DynamicKey.self)
            try container.encode(start, forKey: DynamicKey("start"))
            for (type, value) in counts { try container.encode(value, forKey: DynamicKey(type)) }
        }
    }

    struct Link: Encodable {
        let url: String
        let clicks: Int
        let unique: Int
    }

    let from: Date
    let to: Date
    let interval: String
    let tag: String?
    let totals: [String: Counts]
    let series: [Period]
    let links: [Link]

    init(_ statistics: Statistics, from: Date, to: Date, interval: String, tag: String?) {
        self.from = from
        self.to = to
        self.interval = interval
        self.tag = tag
        let types: [EventType] = [.open, .click, .delivery, .failure, .bounce, .abuse, .unsubscribe]
        totals = Dictionary(uniqueKeysWithValues: types.map { ($0.rawValue, Counts(statistics.totals[$0])) })
        series = statistics.buckets.map { bucket in
            Period(
                start: bucket.start,
                counts: Dictionary(uniqueKeysWithValues: types.map { ($0.rawValue, Counts(bucket.counts[$0])) }))
        }
        links = statistics.links.map { Link(url: $0.url, clicks: $0.clicks, unique: $0.unique) }
    }
}

struct DynamicKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
