import Foundation
import RicochetCore
import RicochetStore

extension Dispatcher {
    /// One request for `deliveries` — one delivery, or a batch sent as a JSON
    /// array of their bodies — and what follows from its answer for each.
    func attempt(_ claimed: [ClaimedDelivery], loop: FeedbackLoop, signing: LoopSigning) async -> Finished {
        var deliveries: [ClaimedDelivery] = []
        var bodies: [[UInt8]] = []
        var unreadable: [DeliveryResult] = []
        for delivery in claimed {
            if let body = delivery.payload() {
                deliveries.append(delivery)
                bodies.append(body)
            } else {
                unreadable.append(Self.unreadable(delivery))
            }
        }
        guard !deliveries.isEmpty else {
            return Finished(loop: loop.id, results: unreadable, verdict: .notSent)
        }
        let batched = loop.delivery.batch != nil
        // A batch's composition changes from one try to the next, so it has
        // an id of its own each time; its elements keep theirs ("event").
        let webhookID = batched ? "batch_" + RandomToken.base32(length: 20) : deliveries[0].webhookID
        let body =
            batched ? Array("[".utf8) + Array(bodies.joined(separator: Array(",".utf8))) + Array("]".utf8) : bodies[0]
        let format = deliveries[0].format
        let started = Date()
        let attempt: DeliveryAttempt
        let verdict: AttemptVerdict
        let userAgent = configuration.userAgent
        let sign = { @Sendable in
            signing.headers(
                for: loop, webhookID: webhookID, body: body, contentType: LoopSigning.contentType(format),
                now: started, userAgent: userAgent)
        }
        // RSA takes most of a millisecond and goes to the signing threads;
        // the other schemes cost less than the hop there and back.
        let headers =
            loop.signing.contains(.classicRSA) ? ((try? await signers.runIfActive(sign)) ?? sign()) : sign()
        let sent = headers.map { DeliveryAttempt.HeaderField(name: $0.name, value: $0.value) }
        do throws(OutboundError) {
            let request = OutboundRequest(
                method: .post, url: loop.url.absoluteString, headers: headers,
                body: body, timeout: .milliseconds(Int64(loop.delivery.timeoutSeconds * 1000)),
                maximumBodyBytes: DeliveryAttempt.maximumBodyBytes)
            let response = try await client.send(request)
            verdict = AttemptVerdict.of(
                status: response.status, retryAfterHeader: response.header("Retry-After"), errorKind: nil,
                now: Date())
            attempt = DeliveryAttempt(
                startedAt: started, durationMilliseconds: response.durationMilliseconds, status: response.status,
                errorClass: verdict.succeeded ? nil : "http",
                error: verdict.succeeded ? nil : "the receiver answered \(response.status)",
                responseHeaders: response.headers.map { .init(name: $0.name, value: $0.value) },
                responseBody: response.body, requestHeaders: sent)
        } catch {
            verdict = AttemptVerdict.of(status: nil, retryAfterHeader: nil, errorKind: error.kind, now: Date())
            attempt = DeliveryAttempt(
                startedAt: started, durationMilliseconds: error.durationMilliseconds, status: nil,
                errorClass: error.kind.rawValue, error: error.message, responseHeaders: [], responseBody: [],
                requestHeaders: sent)
        }
        let disable = disableReason(verdict, loop: loop, now: Date())
        let results = zip(deliveries, bodies).map { delivery, body in
            DeliveryResult(
                delivery: delivery, body: body, attempt: attempt,
                next: next(after: verdict, attempts: delivery.attempts + 1, loop: loop), disableLoop: disable)
        }
        return Finished(loop: loop.id, results: results + unreadable, verdict: verdict)
    }

    /// A delivery whose event's stored variables cannot be read: it fails
    /// at once, without a request, rather than stopping its loop's queue.
    static func unreadable(_ delivery: ClaimedDelivery) -> DeliveryResult {
        DeliveryResult(
            delivery: delivery, body: [],
            attempt: DeliveryAttempt(
                startedAt: Date(), durationMilliseconds: 0, status: nil, errorClass: "payload",
                error: "the event's stored variables cannot be read", responseHeaders: [], responseBody: []),
            next: .failed, disableLoop: nil)
    }

    func next(after verdict: AttemptVerdict, attempts: Int, loop: FeedbackLoop) -> DeliveryResult.Next {
        if verdict.succeeded { return .succeeded }
        if verdict.gone { return .failed }
        guard
            let delay = loop.delivery.retrySchedule.delay(
                afterAttempt: attempts, jitter: Double.random(in: 0..<1))
        else { return .failed }
        return .retry(at: Date().addingTimeInterval(max(delay, verdict.retryAfter ?? 0)))
    }

    func disableReason(_ verdict: AttemptVerdict, loop: FeedbackLoop, now: Date) -> String? {
        if verdict.gone { return "the receiver answered 410 Gone" }
        guard !verdict.succeeded, let since = loop.failingSince,
            now.timeIntervalSince(since) >= loop.delivery.disableAfterHours * 3600
        else { return nil }
        return "no successful delivery for \(Int(loop.delivery.disableAfterHours)) hours"
    }
}
