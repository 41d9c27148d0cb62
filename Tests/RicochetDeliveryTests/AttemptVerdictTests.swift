import Foundation
import RicochetCore
import Testing

@testable import RicochetDelivery

@Suite("Attempt verdicts")
struct AttemptVerdictTests {
    let now = Date(timeIntervalSince1970: 784_111_777)

    @Test("2xx succeeds; redirects and other statuses fail; 410 means gone")
    func statuses() {
        #expect(AttemptVerdict.of(status: 204, retryAfterHeader: nil, errorKind: nil, now: now).succeeded)
        for status in [301, 302, 400, 404, 500] {
            let verdict = AttemptVerdict.of(status: status, retryAfterHeader: nil, errorKind: nil, now: now)
            #expect(!verdict.succeeded && !verdict.gone && verdict.throttle == .failure, "\(status)")
        }
        #expect(AttemptVerdict.of(status: 410, retryAfterHeader: nil, errorKind: nil, now: now).gone)
    }

    @Test("429 and 503 are overload, with Retry-After in seconds or as an HTTP date, capped at a day")
    func overload() {
        #expect(
            AttemptVerdict.of(status: 429, retryAfterHeader: "120", errorKind: nil, now: now).throttle
                == .overloaded(retryAfter: 120))
        #expect(
            AttemptVerdict.of(status: 503, retryAfterHeader: "Sun, 06 Nov 1994 08:50:37 GMT", errorKind: nil, now: now)
                .retryAfter == 60)
        #expect(
            AttemptVerdict.of(status: 503, retryAfterHeader: "9999999", errorKind: nil, now: now).retryAfter == 86400)
        #expect(
            AttemptVerdict.of(status: 503, retryAfterHeader: "soon", errorKind: nil, now: now).throttle
                == .overloaded(retryAfter: nil))
        #expect(
            AttemptVerdict.of(status: 500, retryAfterHeader: "120", errorKind: nil, now: now).retryAfter == nil,
            "Retry-After counts with 429 and 503 only")
    }

    @Test("a timeout slows the loop down; other transport errors do not")
    func transport() {
        #expect(
            AttemptVerdict.of(status: nil, retryAfterHeader: nil, errorKind: .timeout, now: now).throttle == .timeout)
        #expect(
            AttemptVerdict.of(status: nil, retryAfterHeader: nil, errorKind: .connect, now: now).throttle == .failure)
    }
}
