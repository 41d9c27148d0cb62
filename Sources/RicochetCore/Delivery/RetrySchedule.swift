/// When a failed delivery is tried again: one delay per retry, with jitter so
/// that deliveries failed together do not all come back together.
public struct RetrySchedule: Sendable, Equatable, Codable {
    /// Seconds from one attempt's failure to the next attempt, in order. The
    /// number of attempts is one more than the number of delays.
    public let delays: [Double]

    /// At once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h: about three
    /// days and eleven attempts in all.
    public static let standard = RetrySchedule(delays: [0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400])

    /// The most delays a loop may set, and the longest delay (a week).
    public static let maximumCount = 30
    public static let maximumDelay: Double = 7 * 86400

    public init(delays: [Double]) {
        self.delays = delays
    }

    /// Nil when `delays` is not a usable schedule; the reason otherwise.
    public static func problem(with delays: [Double]) -> String? {
        if delays.isEmpty { return "give at least one delay" }
        if delays.count > maximumCount { return "give at most \(maximumCount) delays" }
        if delays.contains(where: { !$0.isFinite || $0 < 0 || $0 > maximumDelay }) {
            return "each delay is between 0 and \(Int(maximumDelay)) seconds"
        }
        return nil
    }

    /// The delay after failed attempt number `attempt` (1 for the first), or
    /// nil when the schedule is used up. `jitter` in [0, 1) spreads it by up to
    /// ±10%.
    public func delay(afterAttempt attempt: Int, jitter: Double) -> Double? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        let base = delays[attempt - 1]
        return base * (0.9 + 0.2 * min(max(jitter, 0), 1))
    }
}
