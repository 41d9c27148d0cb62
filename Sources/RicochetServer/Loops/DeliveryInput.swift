import RicochetCore

/// The `delivery` object of a loop's create or patch body: any of the
/// settings, the others staying as they are (or at their defaults).
/// `"rate_limit": null` removes the rate limit.
struct DeliveryInput: Decodable, Sendable {
    static let fields: Set<String> = [
        "concurrency", "rate_limit", "timeout_seconds", "retry_schedule", "disable_after_hours", "batch",
    ]

    var concurrency: Int?
    /// nil: not named; `.some(nil)`: no limit.
    var rateLimit: Double??
    var timeoutSeconds: Double?
    var retrySchedule: [Double]?
    var disableAfterHours: Double?
    /// nil: not named; `.some(nil)`: batching off.
    var batch: DeliverySettings.Batch??

    struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        if let unknown = container.allKeys.first(where: { !Self.fields.contains($0.stringValue) }) {
            throw DecodingError.dataCorruptedError(
                forKey: unknown, in: container,
                debugDescription: "unknown field '\(unknown.stringValue)'; accepted: "
                    + Self.fields.sorted().joined(separator: ", "))
        }
        // null is "no limit" or "no batching" for those two; for the others a mistake, not "unchanged".
        func named<T: Decodable>(_ type: T.Type, _ name: String) throws -> T? {
            let key = Key(stringValue: name)
            return container.contains(key) ? try container.decode(type, forKey: key) : nil
        }
        concurrency = try named(Int.self, "concurrency")
        let rate = Key(stringValue: "rate_limit")
        if container.contains(rate) {
            rateLimit = .some(try container.decodeNil(forKey: rate) ? nil : container.decode(Double.self, forKey: rate))
        }
        timeoutSeconds = try named(Double.self, "timeout_seconds")
        retrySchedule = try named([Double].self, "retry_schedule")
        disableAfterHours = try named(Double.self, "disable_after_hours")
        let batchKey = Key(stringValue: "batch")
        if container.contains(batchKey) {
            batch = .some(
                try container.decodeNil(forKey: batchKey)
                    ? nil : container.decode(DeliverySettings.Batch.self, forKey: batchKey))
        }
    }

    /// `settings` with what this names changed; 400 when a value is out of range.
    func applied(to settings: DeliverySettings) throws -> DeliverySettings {
        var result = settings
        if let concurrency { result.concurrency = concurrency }
        if let rateLimit { result.rateLimit = rateLimit }
        if let timeoutSeconds { result.timeoutSeconds = timeoutSeconds }
        if let retrySchedule { result.retrySchedule = RetrySchedule(delays: retrySchedule) }
        if let disableAfterHours { result.disableAfterHours = disableAfterHours }
        if let batch { result.batch = batch }
        if let problem = result.problem {
            throw APIError.badRequest("delivery.\(problem)", code: "invalid_delivery")
        }
        return result
    }
}
