import Crypto
import Foundation
import Testing

@testable import RicochetCore

@Suite("Standard Webhooks signatures")
struct StandardWebhooksTests {
    /// The specification's published test vector.
    let secret = WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!
    let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    let body = Array(#"{"test": 2432232314}"#.utf8)

    @Test("the specification's test vector signs as published")
    func vector() {
        #expect(
            StandardWebhooks.signature(secret: secret, id: id, timestamp: 1_614_265_330, body: body)
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test("verification accepts any matching signature of several, and refuses tampering and old timestamps")
    func verify() {
        let now = Date(timeIntervalSince1970: 1_614_265_330)
        let other = WebhookSecret.generate()
        let both = StandardWebhooks.signatures(secrets: [other, secret], id: id, timestamp: 1_614_265_330, body: body)
        #expect(both.split(separator: " ").count == 2)
        #expect(
            StandardWebhooks.verify(
                secret: secret, id: id, timestamp: "1614265330", signatures: both, body: body, now: now) == .valid)
        #expect(
            StandardWebhooks.verify(
                secret: secret, id: id, timestamp: "1614265330", signatures: both, body: body + [0x20], now: now)
                == .noSignatureMatches)
        #expect(
            StandardWebhooks.verify(
                secret: secret, id: id + "x", timestamp: "1614265330", signatures: both, body: body, now: now)
                == .noSignatureMatches)
        #expect(
            StandardWebhooks.verify(
                secret: secret, id: id, timestamp: "1614265330", signatures: both, body: body,
                now: now.addingTimeInterval(301)) == .timestampOutOfTolerance)
        #expect(
            StandardWebhooks.verify(secret: secret, id: id, timestamp: nil, signatures: both, body: body, now: now)
                == .malformed("no numeric webhook-timestamp header"))
    }

    @Test("v1a Ed25519 signatures verify with the public key and fail when anything changes")
    func asymmetric() throws {
        let key = Curve25519.Signing.PrivateKey()
        let signature = try #require(
            StandardWebhooks.asymmetricSignature(key: key, id: id, timestamp: 1_614_265_330, body: body))
        #expect(signature.hasPrefix("v1a,"))
        let header = "v1,bm9wZQ== " + signature
        #expect(
            StandardWebhooks.verifyAsymmetric(
                publicKey: key.publicKey, id: id, timestamp: "1614265330", signatures: header, body: body))
        #expect(
            !StandardWebhooks.verifyAsymmetric(
                publicKey: key.publicKey, id: id, timestamp: "1614265331", signatures: header, body: body))
        #expect(
            !StandardWebhooks.verifyAsymmetric(
                publicKey: Curve25519.Signing.PrivateKey().publicKey, id: id, timestamp: "1614265330",
                signatures: header, body: body))
        #expect(StandardWebhooks.publicKeyText(key.publicKey).hasPrefix("whpk_"))
    }

    @Test("secrets read with or without their prefix and print as whsec_ and base64")
    func secrets() {
        let generated = WebhookSecret.generate()
        #expect(generated.key.count == 32)
        #expect(generated.description.hasPrefix("whsec_"))
        #expect(WebhookSecret(generated.description) == generated)
        #expect(WebhookSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == secret)
        #expect(WebhookSecret("whsec_%%%") == nil)
        #expect(WebhookSecret("whsec_") == nil)
    }
}

@Suite("Retry schedule")
struct RetryScheduleTests {
    @Test("the standard schedule waits at once, 5 s, 5 min … 24 h, then gives up")
    func standard() {
        let schedule = RetrySchedule.standard
        #expect(schedule.delay(afterAttempt: 1, jitter: 0.5) == 0)
        #expect(schedule.delay(afterAttempt: 2, jitter: 0.5) == 5)
        #expect(schedule.delay(afterAttempt: 3, jitter: 0.5) == 300)
        #expect(schedule.delay(afterAttempt: 10, jitter: 0.5) == 86400)
        #expect(schedule.delay(afterAttempt: 11, jitter: 0.5) == nil)
        #expect(schedule.delay(afterAttempt: 0, jitter: 0.5) == nil)
    }

    @Test("jitter spreads a delay by at most ten percent either way")
    func jitter() {
        let schedule = RetrySchedule(delays: [100])
        #expect(schedule.delay(afterAttempt: 1, jitter: 0) == 90)
        #expect(schedule.delay(afterAttempt: 1, jitter: 0.999_999)! < 110.0001)
        #expect(abs(schedule.delay(afterAttempt: 1, jitter: 7)! - 110) < 1e-9)
    }

    @Test("schedules a loop may not set are refused with the reason")
    func problems() {
        #expect(RetrySchedule.problem(with: []) != nil)
        #expect(RetrySchedule.problem(with: [-1]) != nil)
        #expect(RetrySchedule.problem(with: [.infinity]) != nil)
        #expect(RetrySchedule.problem(with: Array(repeating: 1, count: 31)) != nil)
        #expect(RetrySchedule.problem(with: [0, 60, 3600]) == nil)
    }
}

@Suite("Loop throttle")
struct LoopThrottleTests {
    @Test("no more requests in flight than the limit")
    func concurrency() {
        var throttle = LoopThrottle(limit: 4, ratePerSecond: nil, now: 0)
        #expect(throttle.available(now: 0) == 4)
        for _ in 0..<4 { throttle.started(now: 0) }
        #expect(throttle.available(now: 0) == 0)
        #expect(throttle.nextOpening(now: 0) == nil, "a finishing request frees the slot")
        throttle.finished(.success, now: 1)
        #expect(throttle.available(now: 1) == 1)
    }

    @Test("a rate limit spaces starts out, with one second's burst")
    func rate() {
        var throttle = LoopThrottle(limit: 100, ratePerSecond: 2, now: 0)
        #expect(throttle.available(now: 0) == 2)
        throttle.started(now: 0)
        throttle.started(now: 0)
        #expect(throttle.available(now: 0) == 0)
        #expect(throttle.nextOpening(now: 0) == 0.5)
        #expect(throttle.available(now: 0.5) == 1)
        #expect(throttle.available(now: 10) == 2, "tokens never exceed one second's worth")
    }

    @Test("overload halves concurrency and pauses, Retry-After first; success ramps back up")
    func adaptive() {
        var throttle = LoopThrottle(limit: 8, ratePerSecond: nil, now: 0)
        throttle.started(now: 0)
        throttle.finished(.overloaded(retryAfter: 30), now: 1)
        #expect(throttle.concurrency == 4)
        #expect(throttle.available(now: 20) == 0)
        #expect(throttle.nextOpening(now: 20) == 31)
        #expect(throttle.available(now: 31) == 4)
        throttle.started(now: 31)
        throttle.finished(.timeout, now: 32)
        #expect(throttle.concurrency == 2)
        #expect(throttle.nextOpening(now: 32) == 34, "the second overload in a row pauses 2 s")
        var now = 40.0
        while throttle.concurrency < 8 {
            throttle.started(now: now)
            throttle.finished(.success, now: now)
            now += 1
            #expect(now < 200, "concurrency did not recover")
            if now >= 200 { break }
        }
        #expect(throttle.concurrency == 8)
        throttle.finished(.failure, now: now)
        #expect(throttle.concurrency == 8, "an ordinary failure says nothing about load")
    }
}
