/// How a loop's deliveries are sent: the limits that protect its receiver,
/// the per-request timeout, the retry schedule and when a loop that keeps
/// failing is disabled. Every field has a default; the API sets any of them.
public struct DeliverySettings: Sendable, Equatable, Codable {
    /// Requests in flight at once (1 to 64).
    public var concurrency: Int
    /// Requests started per second, if limited (0.1 to 10,000).
    public var rateLimit: Double?
    /// Seconds a request may take in all (1 to 60).
    public var timeoutSeconds: Double
    public var retrySchedule: RetrySchedule
    /// Hours of failures without a single success after which the loop is
    /// disabled (1 to 720).
    public var disableAfterHours: Double
    /// Several events a request, as a JSON array, when set (JSON loops only).
    public var batch: Batch?

    /// Opt-in batching for floods of opens: a request goes when `maxEvents`
    /// are due, or when the oldest due one has waited `maxWaitMilliseconds`.
    public struct Batch: Sendable, Equatable, Codable {
        public var maxEvents: Int
        public var maxWaitMilliseconds: Int

        public static let maxEventsRange = 1...1000
        public static let maxWaitRange = 0...60000

        public init(maxEvents: Int, maxWaitMilliseconds: Int) {
            self.maxEvents = maxEvents
            self.maxWaitMilliseconds = maxWaitMilliseconds
        }

        enum CodingKeys: String, CodingKey {
            case maxEvents = "max_events"
            case maxWaitMilliseconds = "max_wait_ms"
        }
    }

    public static let concurrencyRange = 1...64
    public static let rateLimitRange = 0.1...10_000.0
    public static let timeoutRange = 1.0...60.0
    public static let disableAfterRange = 1.0...720.0

    public init(
        concurrency: Int = 4, rateLimit: Double? = nil, timeoutSeconds: Double = 15,
        retrySchedule: RetrySchedule = .standard, disableAfterHours: Double = 120, batch: Batch? = nil
    ) {
        self.concurrency = concurrency
        self.rateLimit = rateLimit
        self.timeoutSeconds = timeoutSeconds
        self.retrySchedule = retrySchedule
        self.disableAfterHours = disableAfterHours
        self.batch = batch
    }

    enum CodingKeys: String, CodingKey {
        case concurrency
        case rateLimit = "rate_limit"
        case timeoutSeconds = "timeout_seconds"
        case retrySchedule = "retry_schedule"
        case disableAfterHours = "disable_after_hours"
        case batch
    }

    /// Missing fields (a loop stored before they existed) take their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = DeliverySettings()
        concurrency = try container.decodeIfPresent(Int.self, forKey: .concurrency) ?? defaults.concurrency
        rateLimit = try container.decodeIfPresent(Double.self, forKey: .rateLimit)
        timeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? defaults.timeoutSeconds
        retrySchedule =
            try container.decodeIfPresent([Double].self, forKey: .retrySchedule).map(RetrySchedule.init)
            ?? defaults.retrySchedule
        disableAfterHours =
            try container.decodeIfPresent(Double.self, forKey: .disableAfterHours) ?? defaults.disableAfterHours
        batch = try container.decodeIfPresent(Batch.self, forKey: .batch)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(concurrency, forKey: .concurrency)
        try container.encode(rateLimit, forKey: .rateLimit)
        try container.encode(timeoutSeconds, forKey: .timeoutSeconds)
        try container.encode(retrySchedule.delays, forKey: .retrySchedule)
        try container.encode(disableAfterHours, forKey: .disableAfterHours)
        try container.encode(batch, forKey: .batch)
    }

    /// Nil when every field is in range; else what is wrong, naming the field.
    public var problem: String? {
        if !Self.concurrencyRange.contains(concurrency) {
            return "concurrency must be between 1 and 64"
        }
        if let rateLimit, !Self.rateLimitRange.contains(rateLimit) {
            return "rate_limit must be between 0.1 and 10000 requests per second, or null"
        }
        if !Self.timeoutRange.contains(timeoutSeconds) {
            return "timeout_seconds must be between 1 and 60"
        }
        if let problem = RetrySchedule.problem(with: retrySchedule.delays) {
            return "retry_schedule: \(problem)"
        }
        if !Self.disableAfterRange.contains(disableAfterHours) {
            return "disable_after_hours must be between 1 and 720"
        }
        if let batch, !Batch.maxEventsRange.contains(batch.maxEvents) {
            return "batch.max_events must be between 1 and 1000"
        }
        if let batch, !Batch.maxWaitRange.contains(batch.maxWaitMilliseconds) {
            return "batch.max_wait_ms must be between 0 and 60000"
        }
        return nil
    }
}
