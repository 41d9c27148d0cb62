import Foundation
import Logging
import NIOCore
import NIOPosix
import RicochetCore
import RicochetStore
import ServiceLifecycle
import Synchronization

/// Sends queued deliveries to their loops: woken by every commit that
/// records events, so a delivery starts within milliseconds of its event.
///
/// Each loop has its own ``LoopThrottle`` (concurrency, rate, adaptive
/// back-off); a loop claims only as many deliveries as it may send now, so a
/// slow or dead receiver holds its own deliveries and nobody else's. Every
/// attempt is written down with what follows from it (success, the next try,
/// giving up, disabling the loop) in one transaction per round of answers.
public final class Dispatcher<Deliveries: DeliveryStore & LoopStore & SigningKeyStore>: Service, Sendable {
    public struct Configuration: Sendable {
        /// The most deliveries one loop claims at a time.
        public var claimBatch = 100
        /// How often the list of loops is read again, at the latest.
        public var loopRefresh = Duration.seconds(1)
        /// How long a stopping server waits for requests under way.
        public var drainTimeout = Duration.seconds(10)
        public var userAgent = "Ricochet"
        /// How long attempts and finished deliveries (with their bodies) are kept.
        public var retention: TimeInterval = 30 * 86400
        /// How often old ones are removed.
        public var pruneInterval = Duration.seconds(3600)

        public init() {}
    }

    private let store: Deliveries
    private let client: OutboundClient
    private let logger: Logger
    private let configuration: Configuration
    private let signal = WakeSignal()
    /// Answers that came in, one entry a request, not yet written down.
    private let finished = Mutex<[Finished]>([])

    private struct Finished {
        let loop: FeedbackLoop.ID
        /// One per delivery the request carried (several for a batch).
        let results: [DeliveryResult]
        let verdict: AttemptVerdict
    }
    private let inFlight = Mutex(0)
    private let reloadRequested = Mutex(true)
    /// Set by every commit that recorded events: each loop's next due time is
    /// unknown again.
    private let eventsArrived = Mutex(false)
    private let epoch = ContinuousClock.now
    /// RSA signing takes about half a millisecond a request: it runs on
    /// threads of its own, never on the event loops that answer tracked hits.
    private let signers = NIOThreadPool(numberOfThreads: max(1, System.coreCount))

    public init(store: Deliveries, client: OutboundClient, logger: Logger, configuration: Configuration = .init()) {
        self.store = store
        self.client = client
        self.logger = logger
        self.configuration = configuration
        store.onEventsCommitted { [weak self] in self?.deliveriesQueued() }
    }

    /// Loops changed (created, validated, re-enabled, settings): read them again now.
    public func loopsChanged() {
        reloadRequested.withLock { $0 = true }
        signal.notify()
    }

    /// Deliveries were queued or made due outside the recording path (a retry).
    public func deliveriesQueued() {
        eventsArrived.withLock { $0 = true }
        signal.notify()
    }

    private struct LoopState {
        var loop: FeedbackLoop
        var signing: LoopSigning
        var throttle: LoopThrottle
        /// When its next queued delivery is due: nil when unknown (ask the store).
        var nextDue: Date?
    }

    public func run() async throws {
        signers.start()
        let requeued = try await store.requeueInterrupted(now: Date())
        if requeued > 0 {
            logger.notice(
                "deliveries interrupted by the last stop are queued again", metadata: ["count": "\(requeued)"])
        }
        let stopping = Mutex(false)
        var states: [FeedbackLoop.ID: LoopState] = [:]
        var key: InstallationKey?
        var loadedAt = ContinuousClock.now
        var prunedAt: ContinuousClock.Instant?
        await withGracefulShutdownHandler {
            while !stopping.withLock({ $0 }) {
                do {
                    try await recordFinished(&states)
                    if reloadRequested.withLock({
                        let value = $0; $0 = false; return value
                    })
                        || ContinuousClock.now - loadedAt >= configuration.loopRefresh
                    {
                        key = try await currentKey(known: key)
                        try await reload(&states, key: key)
                        loadedAt = ContinuousClock.now
                    }
                    if prunedAt.map({ ContinuousClock.now - $0 >= configuration.pruneInterval }) ?? true {
                        prunedAt = ContinuousClock.now
                        let removed = try await store.prune(before: Date().addingTimeInterval(-configuration.retention))
                        if removed > 0 {
                            logger.info("old delivery records removed", metadata: ["count": "\(removed)"])
                        }
                    }
                    if eventsArrived.withLock({
                        let value = $0; $0 = false; return value
                    }) {
                        for id in states.keys { states[id]?.nextDue = nil }
                    }
                    let wait = try await startDue(&states)
                    await signal.wait(timeout: min(wait, configuration.loopRefresh))
                } catch {
                    logger.error("dispatching failed; trying again shortly", metadata: ["error": "\(error)"])
                    await signal.wait(timeout: .seconds(1))
                }
            }
        } onGracefulShutdown: {
            stopping.withLock { $0 = true }
            self.signal.notify()
        }
        // Requests under way finish (within the drain timeout) and are written down.
        let deadline = ContinuousClock.now + configuration.drainTimeout
        while inFlight.withLock({ $0 }) > 0, ContinuousClock.now < deadline {
            await signal.wait(timeout: .milliseconds(50))
        }
        try? await recordFinished(&states)
        try? await signers.shutdownGracefully()
    }

    /// The newest installation key, parsed again only when it changed.
    private func currentKey(known: InstallationKey?) async throws -> InstallationKey? {
        guard let newest = try await store.signingKeys(at: Date()).first else { return nil }
        if let known, known.id == newest.id { return known }
        return try InstallationKey(pem: newest.privateKey)
    }

    private func reload(_ states: inout [FeedbackLoop.ID: LoopState], key: InstallationKey?) async throws {
        let loops = try await store.deliverableLoops()
        let now = Date()
        let clock = seconds()
        var next: [FeedbackLoop.ID: LoopState] = [:]
        for loop in loops {
            let signing = LoopSigning(
                secrets: try await store.secrets(of: loop.id, at: now), key: key, ed25519Key: loop.ed25519Key)
            if var state = states[loop.id] {
                state.throttle.update(limit: loop.delivery.concurrency, ratePerSecond: loop.delivery.rateLimit)
                state.loop = loop
                state.signing = signing
                state.nextDue = nil
                next[loop.id] = state
            } else {
                next[loop.id] = LoopState(
                    loop: loop, signing: signing,
                    throttle: LoopThrottle(
                        limit: loop.delivery.concurrency, ratePerSecond: loop.delivery.rateLimit, now: clock),
                    nextDue: nil)
            }
        }
        states = next
    }

    /// Claims and starts what each loop may send now; returns how long to
    /// sleep before something is due (unless woken sooner).
    private func startDue(_ states: inout [FeedbackLoop.ID: LoopState]) async throws -> Duration {
        var sleep = configuration.loopRefresh
        let now = Date()
        let clock = seconds()
        for id in states.keys {
            guard var state = states[id] else { continue }
            defer { states[id] = state }
            let available = state.throttle.available(now: clock)
            if available == 0 {
                if let opening = state.throttle.nextOpening(now: clock) {
                    sleep = min(sleep, .seconds(max(0.001, opening - clock)))
                }
                continue
            }
            if let due = state.nextDue, due > now {
                sleep = min(sleep, .seconds(max(0.001, due.timeIntervalSince(now))))
                continue
            }
            if let batch = state.loop.delivery.batch {
                sleep = min(sleep, try await startBatches(&state, batch, available: available, now: now, clock: clock))
                continue
            }
            let claimed = try await store.claimDue(
                loop: id, now: now, limit: min(available, configuration.claimBatch))
            for delivery in claimed {
                state.throttle.started(now: clock)
                send([delivery], loop: state.loop, signing: state.signing)
            }
            if claimed.count < available {
                state.nextDue = try await store.nextDue(loop: id) ?? .distantFuture
                if let due = state.nextDue, due > now, due != .distantFuture {
                    sleep = min(sleep, .seconds(max(0.001, due.timeIntervalSince(now))))
                }
            } else {
                state.nextDue = nil
                sleep = .zero
            }
        }
        return sleep
    }

    /// For a batching loop: a request per free slot, each once `maxEvents` are
    /// due or the oldest due one has waited `maxWaitMilliseconds`. Returns
    /// how long until the next batch may be ready.
    private func startBatches(
        _ state: inout LoopState, _ batch: DeliverySettings.Batch, available: Int, now: Date, clock: Double
    ) async throws -> Duration {
        for _ in 0..<available {
            let (count, oldest) = try await store.due(loop: state.loop.id, now: now, limit: batch.maxEvents)
            guard count > 0, let oldest else {
                state.nextDue = try await store.nextDue(loop: state.loop.id) ?? .distantFuture
                guard let due = state.nextDue, due != .distantFuture else { return configuration.loopRefresh }
                return .seconds(max(0.001, due.timeIntervalSince(now)))
            }
            let waited = now.timeIntervalSince(oldest) * 1000
            if count < batch.maxEvents, waited < Double(batch.maxWaitMilliseconds) {
                return .milliseconds(max(1, Int64(Double(batch.maxWaitMilliseconds) - waited)))
            }
            let claimed = try await store.claimDue(loop: state.loop.id, now: now, limit: batch.maxEvents)
            guard !claimed.isEmpty else { break }
            state.throttle.started(now: clock)
            send(claimed, loop: state.loop, signing: state.signing)
        }
        state.nextDue = nil
        return .zero
    }

    /// Writes down the answers that came in, and tells each loop's throttle.
    private func recordFinished(_ states: inout [FeedbackLoop.ID: LoopState]) async throws {
        let batch = finished.withLock { finished in
            defer { finished.removeAll() }
            return finished
        }
        guard !batch.isEmpty else { return }
        try await store.record(batch.flatMap(\.results), now: Date())
        let clock = seconds()
        for request in batch {
            let loop = request.loop
            states[loop]?.throttle.finished(request.verdict.throttle, now: clock)
            if request.results.contains(where: { if case .retry = $0.next { true } else { false } }) {
                states[loop]?.nextDue = nil
            }
            if request.verdict.succeeded {
                states[loop]?.loop.failingSince = nil
            } else if states[loop]?.loop.failingSince == nil {
                states[loop]?.loop.failingSince = request.results.first?.attempt.startedAt
            }
            if let reason = request.results.first?.disableLoop, states.removeValue(forKey: loop) != nil {
                logger.warning("loop disabled", metadata: ["loop": "\(loop)", "reason": "\(reason)"])
            }
        }
    }

    private func send(_ deliveries: [ClaimedDelivery], loop: FeedbackLoop, signing: LoopSigning) {
        inFlight.withLock { $0 += 1 }
        Task {
            let outcome = await attempt(deliveries, loop: loop, signing: signing)
            finished.withLock { $0.append(outcome) }
            inFlight.withLock { $0 -= 1 }
            signal.notify()
        }
    }

    /// One request for `deliveries` — one delivery, or a batch sent as a JSON
    /// array of their bodies — and what follows from its answer for each.
    private func attempt(_ deliveries: [ClaimedDelivery], loop: FeedbackLoop, signing: LoopSigning) async
        -> Finished
    {
        let bodies = deliveries.map { delivery in
            delivery.body ?? Array(delivery.format.encode(delivery.variables ?? .null).utf8)
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
        let headers = (try? await signers.runIfActive(sign)) ?? sign()
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
                responseBody: response.body)
        } catch {
            verdict = AttemptVerdict.of(status: nil, retryAfterHeader: nil, errorKind: error.kind, now: Date())
            attempt = DeliveryAttempt(
                startedAt: started, durationMilliseconds: error.durationMilliseconds, status: nil,
                errorClass: error.kind.rawValue, error: error.message, responseHeaders: [], responseBody: [])
        }
        let disable = disableReason(verdict, loop: loop, now: Date())
        let results = zip(deliveries, bodies).map { delivery, body in
            DeliveryResult(
                delivery: delivery, body: body, attempt: attempt,
                next: next(after: verdict, attempts: delivery.attempts + 1, loop: loop), disableLoop: disable)
        }
        return Finished(loop: loop.id, results: results, verdict: verdict)
    }

    private func next(after verdict: AttemptVerdict, attempts: Int, loop: FeedbackLoop) -> DeliveryResult.Next {
        if verdict.succeeded { return .succeeded }
        if verdict.gone { return .failed }
        guard
            let delay = loop.delivery.retrySchedule.delay(
                afterAttempt: attempts, jitter: Double.random(in: 0..<1))
        else { return .failed }
        return .retry(at: Date().addingTimeInterval(max(delay, verdict.retryAfter ?? 0)))
    }

    private func disableReason(_ verdict: AttemptVerdict, loop: FeedbackLoop, now: Date) -> String? {
        if verdict.gone { return "the receiver answered 410 Gone" }
        guard !verdict.succeeded, let since = loop.failingSince,
            now.timeIntervalSince(since) >= loop.delivery.disableAfterHours * 3600
        else { return nil }
        return "no successful delivery for \(Int(loop.delivery.disableAfterHours)) hours"
    }

    /// Seconds on the monotonic clock since the dispatcher was made: the
    /// throttles' time.
    private func seconds() -> Double {
        let (seconds, attoseconds) = (ContinuousClock.now - epoch).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
