import Testing

@testable import RicochetCore

@Suite("Backoff")
struct BackoffTests {
    @Test("waits double from the first up to the most, then stay there; a success starts again")
    func doubling() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        #expect(
            (1...6).map { backoff.ceiling(afterFailures: $0) } == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1),
                .seconds(1),
            ])
        #expect(backoff.ceiling(afterFailures: 10_000) == .seconds(1), "no overflow after very many failures")
    }

    @Test("each wait lies between half the ceiling and the ceiling, spread over it; a success resets the count")
    func jitter() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(30))
        var waits: [Duration] = []
        for _ in 0..<60 {
            let wait = backoff.failed()
            let ceiling = backoff.ceiling(afterFailures: backoff.failures)
            #expect(wait >= ceiling / 2 && wait <= ceiling)
            if ceiling == .seconds(30) { waits.append(wait) }
        }
        #expect(Set(waits).count > 40, "jittered, not one wait for all")
        backoff.succeeded()
        #expect(backoff.failures == 0)
        let first = backoff.failed()
        #expect(first >= .milliseconds(50) && first <= .milliseconds(100))
    }
}
