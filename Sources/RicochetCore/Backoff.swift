/// How long a retry loop waits after each failure in a row: doubling from
/// `initial` up to `maximum`, with "equal jitter" (half the wait fixed, half
/// random) so that many loops failing together do not retry together. A
/// success starts again from `initial`. The defaults are those of the
/// services' retry loops: short enough that a shutdown never waits long
/// for one of them.
public struct Backoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    /// Failures since the last success.
    public private(set) var failures = 0

    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
        precondition(initial > .zero && maximum >= initial)
        self.initial = initial
        self.maximum = maximum
    }

    /// The longest wait after `failures` failures in a row, before jitter.
    public func ceiling(afterFailures failures: Int) -> Duration {
        var wait = initial
        for _ in 1..<max(1, failures) {
            wait *= 2
            if wait >= maximum { return maximum }
        }
        return wait
    }

    /// Counts a failure and returns how long to wait before the next try:
    /// between half the ceiling and the ceiling.
    public mutating func failed<G: RandomNumberGenerator>(using generator: inout G) -> Duration {
        failures += 1
        let ceiling = ceiling(afterFailures: failures)
        let half = ceiling / 2
        let nanoseconds = Int64(half.components.seconds) * 1_000_000_000 + half.components.attoseconds / 1_000_000_000
        return half + .nanoseconds(Int64.random(in: 0...max(0, nanoseconds), using: &generator))
    }

    public mutating func failed() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return failed(using: &generator)
    }

    public mutating func succeeded() {
        failures = 0
    }
}
