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
/// back-off); a loop claims only about twice what it may send at once, so a
/// slow or dead receiver holds its own deliveries and nobody else's. Claimed
/// deliveries wait in the loop's buffer and start the moment a slot frees,
/// without a trip to the database; answers are written down by a
/// ``ResultWriter`` many to a transaction, while the next requests are
/// already under way.
public final class Dispatcher<Deliveries: DeliveryStore & LoopStore & SigningKeyStore & ClusterStore>: Service,
    Sendable
{
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
        /// This process among the nodes on the database: what its leases are held by.
        public var node = NodeIdentity.current()
        /// How long a claim holds its deliveries without being renewed.
        public var leaseDuration = Duration.seconds(30)
        /// How often this node renews its leases and rescues expired ones. A
        /// buffered delivery starts only while the last renewal is less than
        /// `leaseDuration - leaseRenewal` old, so its lease cannot have
        /// expired before its request begins.
        public var leaseRenewal = Duration.seconds(10)
        /// How often this node tells the registry it lives, and takes,
        /// renews and hands over loop leases.
        public var heartbeat = Duration.seconds(2)
        /// How long a loop lease lasts unrenewed: a dead node's loops move
        /// to the others after about this long.
        public var loopLeaseDuration = Duration.seconds(10)
        /// A node silent for this long is taken for dead and its share of
        /// loops is assigned to the others.
        public var nodeTimeout = Duration.seconds(10)

        public init() {}
    }

    private let store: Deliveries
    let client: OutboundClient
    private let logger: Logger
    let configuration: Configuration
    private let signal = WakeSignal()
    private let writer: ResultWriter<Deliveries>
    private let metrics: DeliveryMetrics
    /// Answers that came in, one entry a request, not yet looked at.
    private let finished = Mutex<[Finished]>([])

    struct Finished {
        let loop: FeedbackLoop.ID
        /// One per delivery the request carried (several for a batch).
        let results: [DeliveryResult]
        let verdict: AttemptVerdict
    }
    private let inFlight = Mutex(0)
    private let reloadRequested = Mutex(true)
    /// Set by every commit that recorded events or queued a retry: each
    /// loop's next due time is unknown again.
    private let eventsArrived = Mutex(false)
    private let epoch = ContinuousClock.now
    /// RSA signing takes most of a millisecond a request: it runs on
    /// threads of its own, never on the event loops that answer tracked hits.
    let signers = NIOThreadPool(numberOfThreads: max(1, System.coreCount))

    public init(
        store: Deliveries, client: OutboundClient, logger: Logger, configuration: Configuration = .init(),
        metrics: DeliveryMetrics = .none
    ) {
        self.store = store
        self.metrics = metrics
        self.client = client
        self.logger = logger
        self.configuration = configuration
        let queued = Mutex<(@Sendable () -> Void)?>(nil)
        writer = ResultWriter(store: store, logger: logger) { results in
            // A retry due at once is claimable only now that it is written.
            if results.contains(where: { if case .retry = $0.next { true } else { false } }) {
                queued.withLock { $0 }?()
            }
        }
        queued.withLock { $0 = { [weak self] in self?.deliveriesQueued() } }
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
        /// Claimed (in `sending`), not yet started, oldest due first.
        var buffer: [ClaimedDelivery] = []
    }

    public func run() async throws {
        signers.start()
        let stopping = Mutex(false)
        var states: [FeedbackLoop.ID: LoopState] = [:]
        var key: InstallationKeys?
        var loadedAt = ContinuousClock.now
        var prunedAt: ContinuousClock.Instant?
        var renewedAt: ContinuousClock.Instant?
        var heardAt: ContinuousClock.Instant?
        var ownership = LoopOwnership(
            leaseDuration: configuration.loopLeaseDuration, heartbeat: configuration.heartbeat)
        let startedAt = Date()
        var backoff = Backoff()
        await withGracefulShutdownHandler {
            while !stopping.withLock({ $0 }), !Task.isCancelled {
                do {
                    try await takeFinished(&states)
                    if renewedAt.map({ ContinuousClock.now - $0 >= configuration.leaseRenewal }) ?? true {
                        try await maintainLeases(&states, renewedAt: renewedAt)
                        renewedAt = ContinuousClock.now
                    }
                    if reloadRequested.withLock({
                        let value = $0; $0 = false; return value
                    })
                        || ContinuousClock.now - loadedAt >= configuration.loopRefresh
                    {
                        key = try await InstallationKeys.current(in: store, known: key)
                        // A loop new to this node is assigned at once, not at
                        // the next heartbeat: its first events wait for no one.
                        if try await reload(&states, key: key) { heardAt = nil }
                        loadedAt = ContinuousClock.now
                    }
                    if prunedAt.map({ ContinuousClock.now - $0 >= configuration.pruneInterval }) ?? true {
                        prunedAt = ContinuousClock.now
                        // One node an interval does it, whichever asks first.
                        let every = TimeInterval(configuration.pruneInterval.milliseconds) / 1000
                        if try await store.runsJob(
                            "prune-deliveries", holder: configuration.node.instance, every: every, now: Date())
                        {
                            let removed = try await store.prune(
                                before: Date().addingTimeInterval(-configuration.retention))
                            if removed > 0 {
                                logger.info("old delivery records removed", metadata: ["count": "\(removed)"])
                            }
                        }
                    }
                    if heardAt.map({ ContinuousClock.now - $0 >= configuration.heartbeat }) ?? true {
                        try await beat(&states, ownership: &ownership, startedAt: startedAt)
                        metrics.owning(ownership.held.count)
                        heardAt = ContinuousClock.now
                    }
                    if eventsArrived.withLock({
                        let value = $0; $0 = false; return value
                    }) {
                        for id in states.keys { states[id]?.nextDue = nil }
                    }
                    let wait = try await startDue(&states, ownership: ownership)
                    backoff.succeeded()
                    await signal.wait(timeout: min(wait, configuration.loopRefresh))
                } catch {
                    if Task.isCancelled || error is CancellationError { break }
                    let wait = backoff.failed()
                    logger.error(
                        "dispatching failed; trying again", metadata: ["error": "\(error)", "in": "\(wait)"])
                    await signal.wait(timeout: wait)
                }
            }
        } onGracefulShutdown: {
            stopping.withLock { $0 = true }
            self.signal.notify()
        }
        // Requests under way finish (within the drain timeout) and are written
        // down; claimed ones not started go back in the queue.
        logger.info(
            "dispatcher stopping",
            metadata: [
                "in_flight": "\(inFlight.withLock { $0 })",
                "buffered": "\(states.values.map(\.buffer.count).reduce(0, +))",
            ])
        let deadline = ContinuousClock.now + configuration.drainTimeout
        while inFlight.withLock({ $0 }) > 0, ContinuousClock.now < deadline {
            await signal.wait(timeout: .milliseconds(50))
        }
        try? await takeFinished(&states)
        await writer.flush(until: deadline + .seconds(5))
        try? await store.release(states.values.flatMap(\.buffer), now: Date())
        // Leaving: the other nodes take this one's loops at their next heartbeat.
        try? await store.leave(configuration.node.instance)
        metrics.owning(0)
        try? await signers.shutdownGracefully()
        logger.info("dispatcher stopped", metadata: ["in_flight": "\(inFlight.withLock { $0 })"])
    }

    private var leaseSeconds: TimeInterval { TimeInterval(configuration.leaseDuration.milliseconds) / 1000 }

    /// One heartbeat: tells the registry this node lives, works out from the
    /// live nodes and the loop leases which loops are this node's, hands
    /// over those that are not (once nothing of theirs is under way), and
    /// takes or renews the leases of the rest.
    private func beat(
        _ states: inout [FeedbackLoop.ID: LoopState], ownership: inout LoopOwnership, startedAt: Date
    ) async throws {
        let tick = ContinuousClock.now
        let now = Date()
        let me = configuration.node.instance
        let nodes = try await store.heartbeat(
            configuration.node, startedAt: startedAt, now: now,
            silentSince: now.addingTimeInterval(-TimeInterval(configuration.nodeTimeout.milliseconds) / 1000))
        var owners: [FeedbackLoop.ID: String] = [:]
        for (name, holder) in try await store.leases(prefix: LoopOwnership.prefix, now: now) {
            if let loop = LoopOwnership.loop(ofLease: name) { owners[loop] = holder }
        }
        let assignment = LoopAssignment.assign(
            loops: Array(states.keys), nodes: nodes.map(\.instance) + [me], owners: owners)
        let mine = Set(assignment.compactMap { $0.value == me ? $0.key : nil })
        ownership.handOver(keeping: mine)
        let idle = ownership.handingOver.filter { (states[$0]?.throttle.inFlight ?? 0) == 0 }
        if !idle.isEmpty {
            for loop in idle {
                if var state = states[loop] {
                    try await release(&state)
                    states[loop] = state
                }
            }
            try await store.releaseLeases(idle.map(LoopOwnership.leaseName), holder: me)
            ownership.released(idle)
            logger.info("loops handed over to other nodes", metadata: ["loops": "\(idle.sorted())"])
        }
        let wanted = ownership.wanted(mine)
        let got = try await store.acquireLeases(
            wanted.map(LoopOwnership.leaseName), holder: me,
            until: now.addingTimeInterval(TimeInterval(configuration.loopLeaseDuration.milliseconds) / 1000), now: now)
        let (taken, lost) = ownership.renewed(
            wanted, got: Set(got.compactMap(LoopOwnership.loop(ofLease:))), at: tick)
        for loop in taken { states[loop]?.nextDue = nil }
        for loop in lost {
            logger.warning("loop lease lost to another node", metadata: ["loop": "\(loop)"])
            if var state = states[loop] {
                try await release(&state)
                states[loop] = state
            }
        }
        if !taken.isEmpty { logger.info("loops taken on", metadata: ["loops": "\(taken)"]) }
    }

    /// A new claim's lease.
    private func lease(from now: Date) -> DeliveryLease {
        DeliveryLease(holder: configuration.node.instance, expiresAt: now.addingTimeInterval(leaseSeconds))
    }

    /// Renews this node's leases and takes back other nodes' expired ones.
    /// When the last renewal is too old (the process was stopped, or the
    /// database out of reach), buffered deliveries may have been rescued and
    /// sent by another node: they are released instead of started, and only
    /// what this node still holds goes back in the queue.
    private func maintainLeases(_ states: inout [FeedbackLoop.ID: LoopState], renewedAt: ContinuousClock.Instant?)
        async throws
    {
        let started = ContinuousClock.now
        if let renewedAt, started - renewedAt >= configuration.leaseDuration - configuration.leaseRenewal {
            let buffered = states.values.flatMap(\.buffer)
            if !buffered.isEmpty {
                logger.warning(
                    "leases were not renewed in time; claimed deliveries go back in the queue",
                    metadata: ["count": "\(buffered.count)", "since": "\(started - renewedAt)"])
                try await store.release(buffered, now: Date())
                for id in states.keys { states[id]?.buffer = [] }
            }
        }
        try await store.renewLeases(
            holder: configuration.node.instance, until: Date().addingTimeInterval(leaseSeconds))
        let rescued = try await store.rescueExpiredLeases(now: Date())
        if rescued > 0 {
            logger.notice(
                "deliveries whose lease expired are queued again (a node stopped or lost touch)",
                metadata: ["count": "\(rescued)"])
        }
    }

    /// Reads the deliverable loops again; returns whether one of them is new here.
    private func reload(_ states: inout [FeedbackLoop.ID: LoopState], key: InstallationKeys?) async throws -> Bool {
        let loops = try await store.deliverableLoops()
        let now = Date()
        let clock = seconds()
        var next: [FeedbackLoop.ID: LoopState] = [:]
        var arrived = false
        for loop in loops {
            let signing = LoopSigning(
                secrets: try await store.secrets(of: loop.id, at: now), keys: key ?? InstallationKeys(),
                ed25519Key: loop.ed25519Key)
            if var state = states.removeValue(forKey: loop.id) {
                state.throttle.update(limit: loop.delivery.concurrency, ratePerSecond: loop.delivery.rateLimit)
                if state.loop.delivery.batch != loop.delivery.batch {
                    try await release(&state)
                }
                state.loop = loop
                state.signing = signing
                state.nextDue = nil
                next[loop.id] = state
            } else {
                arrived = true
                next[loop.id] = LoopState(
                    loop: loop, signing: signing,
                    throttle: LoopThrottle(
                        limit: loop.delivery.concurrency, ratePerSecond: loop.delivery.rateLimit, now: clock),
                    nextDue: nil)
            }
        }
        // Loops no longer deliverable (disabled, deleted, invalidated) give
        // back what they claimed.
        for var gone in states.values { try await release(&gone) }
        states = next
        return arrived
    }

    private func release(_ state: inout LoopState) async throws {
        guard !state.buffer.isEmpty else { return }
        try await store.release(state.buffer, now: Date())
        state.buffer = []
    }

    /// Starts what each loop may send now, from its buffer and, when that runs
    /// low, from the queue; returns how long to sleep before something is due
    /// (unless woken sooner).
    private func startDue(_ states: inout [FeedbackLoop.ID: LoopState], ownership: LoopOwnership) async throws
        -> Duration
    {
        var sleep = configuration.loopRefresh
        let now = Date()
        let clock = seconds()
        let tick = ContinuousClock.now
        // Only loops this node holds, and holds for sure: checked again for
        // every loop, before any of its requests start.
        for id in states.keys where ownership.mayStart(id, now: tick) {
            guard var state = states[id] else { continue }
            defer { states[id] = state }
            var available = state.throttle.available(now: clock)
            if available == 0 {
                if let opening = state.throttle.nextOpening(now: clock) {
                    sleep = min(sleep, .seconds(max(0.001, opening - clock)))
                }
                continue
            }
            if let batch = state.loop.delivery.batch {
                if let due = state.nextDue, due > now {
                    sleep = min(sleep, .seconds(max(0.001, due.timeIntervalSince(now))))
                    continue
                }
                sleep = min(sleep, try await startBatches(&state, batch, available: available, now: now, clock: clock))
                continue
            }
            available -= start(&state, upTo: available, clock: clock)
            // Claim ahead: about two windows' worth, so slots that free while
            // the next claim runs find work waiting.
            let target = min(configuration.claimBatch, 2 * state.throttle.concurrency)
            guard state.buffer.count < state.throttle.concurrency else { continue }
            if let due = state.nextDue, due > now {
                sleep = min(sleep, .seconds(max(0.001, due.timeIntervalSince(now))))
                continue
            }
            let wanted = target - state.buffer.count
            let claimed = try await store.claimDue(loop: id, now: now, limit: wanted, lease: lease(from: now))
            state.buffer += claimed
            available -= start(&state, upTo: available, clock: clock)
            if claimed.count < wanted {
                state.nextDue = try await store.nextDue(loop: id) ?? .distantFuture
                if let due = state.nextDue, due > now, due != .distantFuture {
                    sleep = min(sleep, .seconds(max(0.001, due.timeIntervalSince(now))))
                }
            } else {
                state.nextDue = nil
                if available > 0 { sleep = .zero }
            }
        }
        return sleep
    }

    /// Starts up to `limit` buffered deliveries; returns how many.
    private func start(_ state: inout LoopState, upTo limit: Int, clock: Double) -> Int {
        let count = min(limit, state.buffer.count)
        guard count > 0 else { return 0 }
        for delivery in state.buffer.prefix(count) {
            state.throttle.started(now: clock)
            send([delivery], loop: state.loop, signing: state.signing)
        }
        state.buffer.removeFirst(count)
        return count
    }

    /// The most deliveries one claim of a batching loop takes: 64 free slots
    /// of 1,000-event batches would otherwise hold SQLite's writer, and the
    /// bodies in memory, for 64,000 rows at once.
    static var maximumBatchClaim: Int { 5000 }

    /// For a batching loop: a request per free slot, each once `maxEvents` are
    /// due or the oldest due one has waited `maxWaitMilliseconds`. The free
    /// slots' full batches are claimed together, in one look at the queue and
    /// one claim, not two round trips a request; a partial batch waits its
    /// turn. Returns how long until the next batch may be ready.
    private func startBatches(
        _ state: inout LoopState, _ batch: DeliverySettings.Batch, available: Int, now: Date, clock: Double
    ) async throws -> Duration {
        // As many full batches as slots are free, up to ``maximumBatchClaim`` deliveries a claim.
        let wanted = batch.maxEvents * min(available, max(1, Self.maximumBatchClaim / batch.maxEvents))
        let (count, oldest) = try await store.due(loop: state.loop.id, now: now, limit: wanted)
        guard count > 0, let oldest else {
            state.nextDue = try await store.nextDue(loop: state.loop.id) ?? .distantFuture
            guard let due = state.nextDue, due != .distantFuture else { return configuration.loopRefresh }
            return .seconds(max(0.001, due.timeIntervalSince(now)))
        }
        let full = count / batch.maxEvents
        let waited = now.timeIntervalSince(oldest) * 1000
        if full == 0, waited < Double(batch.maxWaitMilliseconds) {
            return .milliseconds(max(1, Int64(Double(batch.maxWaitMilliseconds) - waited)))
        }
        // Full batches now; a partial one alone, once its oldest has waited.
        let claimed = try await store.claimDue(
            loop: state.loop.id, now: now, limit: full > 0 ? full * batch.maxEvents : count, lease: lease(from: now)
        ).sorted { $0.seq < $1.seq }
        for start in stride(from: 0, to: claimed.count, by: batch.maxEvents) {
            state.throttle.started(now: clock)
            send(
                Array(claimed[start..<min(start + batch.maxEvents, claimed.count)]), loop: state.loop,
                signing: state.signing)
        }
        state.nextDue = nil
        return .zero
    }

    /// Tells each loop's throttle about the answers that came in, and hands
    /// them to the writer.
    private func takeFinished(_ states: inout [FeedbackLoop.ID: LoopState]) async throws {
        let batch = finished.withLock { finished in
            defer { finished.removeAll() }
            return finished
        }
        guard !batch.isEmpty else { return }
        writer.submit(batch.flatMap(\.results))
        let clock = seconds()
        for request in batch {
            let loop = request.loop
            metrics.finished(request.results, sent: request.verdict != .notSent)
            states[loop]?.throttle.finished(request.verdict.throttle, now: clock)
            if request.verdict.succeeded {
                states[loop]?.loop.failingSince = nil
            } else if request.verdict != .notSent, states[loop]?.loop.failingSince == nil {
                states[loop]?.loop.failingSince = request.results.first?.attempt.startedAt
            }
            if let reason = request.results.first?.disableLoop, var state = states.removeValue(forKey: loop) {
                logger.warning("loop disabled", metadata: ["loop": "\(loop)", "reason": "\(reason)"])
                try await release(&state)
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

    /// Seconds on the monotonic clock since the dispatcher was made: the
    /// throttles' time.
    private func seconds() -> Double {
        let (seconds, attoseconds) = (ContinuousClock.now - epoch).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
