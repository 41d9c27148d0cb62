import Foundation
import Logging
import NIOSSL
import RicochetCore
import RicochetDelivery
import RicochetMail
import RicochetStore
import ServiceLifecycle
import Synchronization

/// Sends the relay's queued copies to the smarthost: a few workers, each
/// with a connection of its own, claim due copies under a lease, make each
/// copy (tracked, DKIM-signed) and hand it over, then write how it went and
/// the events it makes. A smarthost that cannot be reached makes the copies
/// wait and the worker back off; a copy it refuses for good fails; one it
/// defers is tried again later, until the copy expires.
final class RelaySender<
    S: RelayQueueStore & DKIMKeyStore & RecordingStore & ClusterStore
>: Service, Sendable {
    struct Configuration: Sendable {
        var smarthost: Smarthost
        /// The name given in EHLO.
        var hostname: String
        var bounceDomain: String
        /// This process (what its leases are held by).
        var holder: String
        /// Copies one worker claims at a time.
        var batch = 10
        /// How long a claim holds unrenewed: a dead node's copies go back to
        /// the queue this long after it stopped renewing. Renewed every third of it.
        var lease: TimeInterval = 60
        /// The longest a worker waits before looking for due copies again.
        var idlePoll = Duration.seconds(5)
        /// How long an idle worker keeps its smarthost connection open.
        var idleConnection = Duration.seconds(30)
        /// How long a woken worker waits for more copies before it claims:
        /// a claim and its results are two commits, shared by all it takes.
        var gathering = Duration.milliseconds(10)
        /// How a worker backs off while the smarthost cannot be reached.
        var unavailableBackoff = Backoff(initial: .seconds(1), maximum: .seconds(300))
        /// How long a submission is kept after its last copy ended
        /// (`--retention-days`); one node an hour removes older ones.
        var retention: TimeInterval = 30 * 86400
    }

    private let store: S
    private let recorder: EventRecorder<S>
    private let urls: TrackingURLs
    private let returnPaths: ReturnPathCodec
    private let unsubscribe: UnsubscribeLinks
    private let tls: NIOSSLContext?
    private let configuration: Configuration
    private let logger: Logger
    private let metrics: RelayMetrics
    private let signals: [WakeSignal]
    private let stopping = Mutex(false)
    /// The leases of the batches being sent, renewed while they are.
    private let held = Mutex(Set<String>())
    private let maintenance = WakeSignal()
    private let nextWorker = Atomic<UInt>(0)
    /// Keys read once, by id (a stored key never changes): reading an RSA
    /// key anew for every copy cost as much as signing with it.
    private let parsedKeys = Mutex<[String: DKIMKey]>([:])

    init(
        store: S, recorder: EventRecorder<S>, urls: TrackingURLs, returnPaths: ReturnPathCodec,
        unsubscribe: UnsubscribeLinks, configuration: Configuration, logger: Logger, metrics: RelayMetrics = .none
    ) throws {
        self.unsubscribe = unsubscribe
        self.store = store
        self.metrics = metrics
        self.recorder = recorder
        self.urls = urls
        self.returnPaths = returnPaths
        self.configuration = configuration
        self.logger = logger
        signals = (0..<max(1, configuration.smarthost.connections)).map { _ in WakeSignal() }
        tls = try Self.tlsContext(for: configuration.smarthost)
    }

    static func tlsContext(for smarthost: Smarthost) throws -> NIOSSLContext? {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch smarthost.tls {
        case .none: return nil
        case .opportunistic: tls.certificateVerification = .none
        case .required: tls.certificateVerification = .fullVerification
        }
        return try NIOSSLContext(configuration: tls)
    }

    /// Copies were queued: one worker looks now (and, finding a full batch,
    /// wakes the next), so that a trickle of copies is claimed in batches
    /// rather than one by each worker.
    func queued() {
        let next = nextWorker.wrappingAdd(1, ordering: .relaxed).oldValue
        signals[Int(next % UInt(signals.count))].notify()
    }

    private func wakeAll() {
        for signal in signals { signal.notify() }
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for signal in signals {
                    group.addTask { await self.work(signal) }
                }
                group.addTask { await self.maintainLeases() }
            }
        } onGracefulShutdown: {
            self.stopping.withLock { $0 = true }
            self.wakeAll()
            self.maintenance.notify()
        }
    }

    private var isStopping: Bool { stopping.withLock { $0 } }

    /// One worker: claims, sends, writes down, until shutdown.
    private func work(_ signal: WakeSignal) async {
        var session: SmarthostSession?
        var idleSince: ContinuousClock.Instant?
        var backoff = configuration.unavailableBackoff
        var failures = Backoff()
        while !isStopping {
            do {
                let now = Date()
                let lease = DeliveryLease(
                    holder: configuration.holder, expiresAt: now.addingTimeInterval(configuration.lease))
                let claimed = try await store.claimRelayCopies(now: now, limit: configuration.batch, lease: lease)
                failures.succeeded()
                if claimed.isEmpty {
                    let since = idleSince ?? .now
                    idleSince = since
                    if ContinuousClock.now - since >= configuration.idleConnection {
                        await session?.close()
                        session = nil
                    }
                    await signal.wait(timeout: configuration.idlePoll)
                    // Woken for a copy: the ones that arrive with it are
                    // claimed, sent and written down together.
                    if !isStopping { try? await Task.sleep(for: configuration.gathering) }
                    continue
                }
                idleSince = nil
                // More may be due: another worker joins.
                if claimed.count == configuration.batch { queued() }
                held.withLock { _ = $0.insert(lease.id) }
                let unavailable = await send(
                    claimed, session: &session, waiting: backoff.ceiling(afterFailures: backoff.failures + 1))
                held.withLock { _ = $0.remove(lease.id) }
                if unavailable {
                    let wait = backoff.failed()
                    await signal.wait(timeout: wait)
                } else {
                    backoff.succeeded()
                }
            } catch {
                let wait = failures.failed()
                logger.error("relaying failed; trying again", metadata: ["error": "\(error)", "in": "\(wait)"])
                await signal.wait(timeout: wait)
            }
        }
        await session?.close()
    }

    /// Renews the leases of the batches under way, and puts back in the
    /// queue the copies of nodes that stopped renewing theirs.
    private func maintainLeases() async {
        let every = Duration.milliseconds(Int64(configuration.lease * 1000 / 3))
        while !isStopping {
            let now = Date()
            do {
                try await store.renewRelayLeases(
                    Array(held.withLock { $0 }), until: now.addingTimeInterval(configuration.lease), now: now)
                let rescued = try await store.rescueExpiredRelayLeases(now: now)
                if rescued > 0 {
                    logger.notice(
                        "relayed copies of a node that stopped queued again", metadata: ["count": "\(rescued)"])
                    wakeAll()
                }
            } catch {
                logger.error("renewing relay leases failed", metadata: ["error": "\(error)"])
            }
            await prune(now: now)
            await maintenance.wait(timeout: every)
        }
    }

    /// Removes what the retention has passed, when this node's turn it is.
    private func prune(now: Date) async {
        do {
            guard try await store.runsJob("prune-relay", holder: configuration.holder, every: 3600, now: now) else {
                return
            }
            let removed = try await store.pruneRelay(finishedBefore: now.addingTimeInterval(-configuration.retention))
            if removed > 0 { logger.info("old relayed submissions removed", metadata: ["count": "\(removed)"]) }
        } catch {
            logger.error("removing old relayed submissions failed", metadata: ["error": "\(error)"])
        }
    }

    /// Sends a claimed batch in order; returns whether the smarthost could
    /// not be reached (the rest of the batch then waits as long as the worker,
    /// `waiting`).
    private func send(_ claimed: [ClaimedRelayCopy], session: inout SmarthostSession?, waiting: Duration) async
        -> Bool
    {
        let wait = Double(waiting.components.seconds) + Double(waiting.components.attoseconds) / 1e18
        var results: [RelayResult] = []
        var reports: [MTAReport] = []
        var unavailable: SmarthostSession.Unavailable?
        var keys: [Account.ID: [StoredDKIMKey]] = [:]
        for item in claimed {
            let now = Date()
            if let unavailable {
                // The smarthost is down, or the relay stopping: the copy waits.
                results.append(
                    RelayOutcomes.wait(item, reply: unavailable.reply, until: now.addingTimeInterval(wait), now: now))
                continue
            }
            if isStopping {
                let reply = SMTPReply(451, "4.3.2", "the relay stopped before sending this copy")
                results.append(RelayOutcomes.wait(item, reply: reply, until: now, now: now))
                continue
            }
            if item.copy.expiresAt <= now {
                let (result, report) = RelayOutcomes.expired(item, now: now)
                results.append(result)
                reports.append(report)
                continue
            }
            let message: [UInt8]
            do {
                if keys[item.copy.accountID] == nil {
                    keys[item.copy.accountID] = try await store.dkimKeys(of: item.copy.accountID)
                }
                message = try prepare(item, keys: keys[item.copy.accountID] ?? [], now: now)
            } catch {
                // Checked before its 250; failing now means it cannot be made at all.
                let reply = SMTPReply(554, "5.6.0", "the copy cannot be made: \(error)")
                logger.error(
                    "a relayed copy cannot be made", metadata: ["copy": "\(item.copy.id)", "error": "\(error)"])
                results.append(RelayResult(copyID: item.copy.id, lease: item.lease, reply: .init(reply), next: .failed))
                reports.append(RelayOutcomes.report(.failure, item, stage: "data", reply: reply, note: nil, now: now))
                continue
            }
            do {
                let outcome = try await sendOnce(item, message: message, session: &session)
                let (result, report) = RelayOutcomes.result(of: outcome, item, now: now)
                results.append(result)
                if let report { reports.append(report) }
            } catch {
                logger.warning("the smarthost cannot take mail now", metadata: ["reason": "\(error.description)"])
                unavailable = error
                results.append(
                    RelayOutcomes.wait(item, reply: error.reply, until: now.addingTimeInterval(wait), now: now))
            }
        }
        await write(results, reports)
        return unavailable != nil
    }

    /// Hands one copy over on the open session, opening one when there is
    /// none; a session that broke is opened once more.
    private func sendOnce(_ item: ClaimedRelayCopy, message: [UInt8], session: inout SmarthostSession?)
        async throws(SmarthostSession.Unavailable) -> SmarthostSession.Outcome
    {
        let returnPath = returnPaths.address(
            for: item.copy.messageID, local: "bounces", domain: configuration.bounceDomain)
        for attempt in 0..<2 {
            if session?.isUsable != true {
                session = try await SmarthostSession.open(
                    configuration.smarthost, hostname: configuration.hostname, tls: tls)
            }
            do {
                return try await session!.send(
                    returnPath: returnPath, recipient: item.copy.recipient, envelopeID: item.copy.id, message: message)
            } catch {
                session = nil
                if attempt == 1 { throw error }
            }
        }
        throw SmarthostSession.Unavailable("the smarthost could not be reached")
    }

    /// The copy as it goes out: tracked as the application asked, then
    /// signed with the newest key of its `From` domain, if the account has one.
    private func prepare(_ item: ClaimedRelayCopy, keys: [StoredDKIMKey], now: Date) throws -> [UInt8] {
        let submitted = try SubmittedMessage(item.data)
        let steering = try RelaySteering(submitted)
        let id = item.copy.messageID
        let copy = try RelayCopyMaker.copy(
            of: submitted, steering: steering, messageID: id,
            assignedHeader: .assigned(to: id, domain: configuration.bounceDomain), date: item.receivedAt,
            tracking: .init(url: { self.urls.url(for: $0, of: id) }, pixelURL: urls.pixel(for: id)),
            unsubscribe: unsubscribe.fields(for: id))
        guard let domain = submitted.fromDomain, let key = keys.first(where: { $0.domain == domain }) else {
            return copy.bytes
        }
        return try DKIMSigner.sign(copy.bytes, with: try parsed(key), at: now)
    }

    private func parsed(_ stored: StoredDKIMKey) throws -> DKIMKey {
        if let key = parsedKeys.withLock({ $0[stored.id] }) { return key }
        let key = try stored.key()
        parsedKeys.withLock { $0[stored.id] = key }
        return key
    }

    /// Results first, then their events: a copy is never sent twice for
    /// an event written before its result.
    private func write(_ results: [RelayResult], _ reports: [MTAReport]) async {
        for result in results { metrics.finished(result.next) }
        var backoff = Backoff()
        while true {
            do {
                let stale = try await store.recordRelayResults(results, now: Date())
                if stale > 0 {
                    logger.warning("relay results written after their lease expired", metadata: ["count": "\(stale)"])
                }
                break
            } catch {
                // Unwritten, the copies go back to the queue when their lease ends.
                if isStopping { return }
                let wait = backoff.failed()
                logger.error("writing relay results failed; trying again", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: wait)
            }
        }
        guard !reports.isEmpty else { return }
        do {
            try await recorder.record(reports.map { .report($0) })
        } catch {
            logger.error("recording relay events failed", metadata: ["error": "\(error)", "count": "\(reports.count)"])
        }
    }
}
