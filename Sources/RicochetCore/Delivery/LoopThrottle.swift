/// How many requests one loop may have in flight, and how often they may
/// start, adapting to how its receiver copes. A value: the dispatcher feeds it
/// the clock (seconds on any monotonic scale) and the outcome of each request.
///
/// - Concurrency starts at the loop's limit. An overloaded receiver (429,
///   503, a timeout) halves it and pauses the loop — for its `Retry-After`
///   when it sends one, else for an exponential pause (1 s, 2 s, 4 s … 60 s).
/// - Sustained success (twice the limit's worth of successes in a row) gives
///   back one slot at a time, up to the limit.
/// - An optional rate limit is a token bucket holding one second's worth.
public struct LoopThrottle: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case success
        /// A failure that says nothing about load (404, a refused connection, …).
        case failure
        /// 429 or 503, with the receiver's `Retry-After` in seconds if it sent one.
        case overloaded(retryAfter: Double?)
        case timeout
    }

    public static let longestPause: Double = 60

    public private(set) var limit: Int
    public private(set) var ratePerSecond: Double?
    public private(set) var concurrency: Int
    public private(set) var inFlight = 0
    public private(set) var pausedUntil: Double?
    private var tokens: Double
    private var refilledAt: Double
    private var successes = 0
    private var overloads = 0

    public init(limit: Int, ratePerSecond: Double?, now: Double) {
        self.limit = max(1, limit)
        self.ratePerSecond = ratePerSecond
        concurrency = max(1, limit)
        tokens = ratePerSecond.map { max(1, $0) } ?? 0
        refilledAt = now
    }

    /// New settings from the loop; what was learnt about the receiver stays.
    public mutating func update(limit newLimit: Int, ratePerSecond newRate: Double?) {
        limit = max(1, newLimit)
        concurrency = min(concurrency, limit)
        if newRate != ratePerSecond {
            ratePerSecond = newRate
            tokens = min(tokens, newRate.map { max(1, $0) } ?? 0)
        }
    }

    /// How many requests may start now.
    public mutating func available(now: Double) -> Int {
        if let pausedUntil, now < pausedUntil { return 0 }
        pausedUntil = nil
        let slots = max(0, concurrency - inFlight)
        guard let rate = ratePerSecond else { return slots }
        refill(rate: rate, now: now)
        return min(slots, Int(tokens))
    }

    /// When `available` may next be above zero, if it is zero for a reason
    /// other than requests in flight (which free slots when they finish).
    public func nextOpening(now: Double) -> Double? {
        if let pausedUntil, now < pausedUntil { return pausedUntil }
        if let rate = ratePerSecond, tokens < 1, inFlight < concurrency {
            return now + (1 - tokens) / rate
        }
        return nil
    }

    public mutating func started(now: Double) {
        inFlight += 1
        if let rate = ratePerSecond {
            refill(rate: rate, now: now)
            tokens -= 1
        }
    }

    public mutating func finished(_ outcome: Outcome, now: Double) {
        inFlight = max(0, inFlight - 1)
        switch outcome {
        case .success:
            overloads = 0
            successes += 1
            if successes >= 2 * limit, concurrency < limit {
                concurrency += 1
                successes = 0
            }
        case .failure:
            successes = 0
        case .overloaded(let retryAfter):
            backOff(for: retryAfter, now: now)
        case .timeout:
            backOff(for: nil, now: now)
        }
    }

    private mutating func backOff(for retryAfter: Double?, now: Double) {
        successes = 0
        overloads += 1
        concurrency = max(1, concurrency / 2)
        let pause = retryAfter ?? min(Self.longestPause, Double(1 << min(overloads - 1, 6)))
        pausedUntil = max(pausedUntil ?? now, now + max(0, pause))
    }

    private mutating func refill(rate: Double, now: Double) {
        tokens = min(max(1, rate), tokens + max(0, now - refilledAt) * rate)
        refilledAt = now
    }
}
