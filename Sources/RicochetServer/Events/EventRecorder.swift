import Foundation
import Logging
import NIOCore
import RicochetCore
import RicochetMail
import RicochetStore
import ServiceLifecycle
import Synchronization

/// What recording an event reads and writes: the message it is about, its
/// recipient's profile and subprofile, the suppression list, the events.
typealias RecordingStore = EventStore & MessageStore & ProfileStore & SubprofileStore & SuppressionStore
    & AccountSettingsStore

/// The one place events are recorded: hits become enriched events, written in
/// group commits — every hit that arrives while a commit is under way joins
/// the next one — and a caller is answered only once its event is durable.
///
/// Callers either `await record(_:)` or hand a completion to `submit(_:)`,
/// which the tracking fast path calls from an event loop without starting a
/// task. Later stages join the same write: the delivery outbox, and what
/// failures, complaints and unsubscribes put on the suppression list
/// (``AutomaticSuppression``).
final class EventRecorder<Events: RecordingStore>: Service, Sendable {
    typealias Completion = @Sendable (Result<[Event?], any Error>) -> Void

    private struct Pending {
        let drafts: [EventDraft]
        let loop: (any EventLoop)?
        let completion: Completion
    }

    private struct Queue {
        var pending: [Pending] = []
        var accepting = true
    }

    private let store: Events
    private let logger: Logger
    private let metrics: EventMetrics
    private let queue = Mutex(Queue())
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>

    static var messageCacheLimit: Int { 100_000 }
    /// How long a message read is used before it is read again: an erasure
    /// empties messages on every node's database, and no node records
    /// longer than this with what it read before (``ErasureService`` waits
    /// this long, then erases again whatever was recorded meanwhile).
    static var messageCacheLifetime: Duration { .seconds(1) }

    /// A message as read, and when.
    struct CachedMessage {
        let message: Message
        let readAt: ContinuousClock.Instant
    }

    /// The most hits one commit takes.
    static var maximumBatch: Int { 2000 }

    init(store: Events, logger: Logger, metrics: EventMetrics = .none) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Records the events of `drafts` and returns them once durable, one per
    /// draft: nil where the message does not exist.
    @discardableResult
    func record(_ drafts: [EventDraft]) async throws -> [Event?] {
        try await withCheckedThrowingContinuation { continuation in
            submit(drafts) { continuation.resume(with: $0) }
        }
    }

    /// Queues `drafts`; `completion` is called once with their events when
    /// they are durable, or with the error that kept them from being written.
    /// It runs on `loop` when one is given — the completions of one commit
    /// for one loop go there together, in one hand-off — else on the
    /// recorder's task.
    func submit(_ drafts: [EventDraft], on loop: (any EventLoop)? = nil, completion: @escaping Completion) {
        let accepted = queue.withLock { queue in
            guard queue.accepting else { return false }
            queue.pending.append(Pending(drafts: drafts, loop: loop, completion: completion))
            return true
        }
        guard accepted else { return completion(.failure(CancellationError())) }
        wake.yield()
    }

    func run() async throws {
        // Messages change only when erased, so their rows are kept here for a
        // moment after they are read; the database stays the truth.
        var messageCache: [MessageID: CachedMessage] = [:]
        await withGracefulShutdownHandler {
            for await _ in wakes {
                while let batch = nextBatch() { await commit(batch, messageCache: &messageCache) }
            }
        } onGracefulShutdown: {
            self.queue.withLock { $0.accepting = false }
            self.wake.finish()
        }
        // Whatever is still queued is written before the recorder stops.
        while let batch = nextBatch() { await commit(batch, messageCache: &messageCache) }
    }

    /// The oldest pending calls, up to ``maximumBatch`` hits (at least one call).
    private func nextBatch() -> [Pending]? {
        queue.withLock { queue in
            guard !queue.pending.isEmpty else { return nil }
            var count = 0
            var taken = 0
            for pending in queue.pending {
                if taken > 0, count + pending.drafts.count > Self.maximumBatch { break }
                count += pending.drafts.count
                taken += 1
            }
            let batch = Array(queue.pending.prefix(taken))
            queue.pending.removeFirst(taken)
            return batch
        }
    }

    private func commit(_ batch: [Pending], messageCache: inout [MessageID: CachedMessage]) async {
        let drafts = batch.flatMap(\.drafts)
        do {
            let messages = try await messages(drafts.map(\.message), cache: &messageCache)
            let profiles = try await store.profiles(messages.values.compactMap(\.profileID))
            let subprofiles = try await store.subprofiles(messages.values.compactMap(\.subprofileID))
            // An erased message (its recipient emptied) records nothing more.
            let perCaller: [[Event?]] = batch.map { pending in
                pending.drafts.map { draft in
                    messages[draft.message].flatMap { $0.recipient.isEmpty ? nil : $0 }.map { message in
                        draft.event(
                            of: message, profile: message.profileID.flatMap { profiles[$0] },
                            subprofile: message.subprofileID.flatMap { subprofiles[$0] })
                    }
                }
            }
            let events = perCaller.flatMap { $0.compactMap { $0 } }
            var signals: [AutomaticSuppression<Events>.Signal] = []
            for (draft, event) in zip(drafts, perCaller.joined()) {
                guard let event, let signal = draft.suppressionSignal, let message = messages[draft.message] else {
                    continue
                }
                signals.append(.init(event: event, recipient: message.recipient, signal: signal))
            }
            let suppressions =
                signals.isEmpty ? [] : try await AutomaticSuppression(store: store).writes(for: signals, now: Date())
            try await store.insert(events, suppressions: suppressions)
            metrics.recorded(events + suppressions.events)
            complete(batch, with: perCaller.map { .success($0) })
        } catch {
            logger.error("recording events failed", metadata: ["error": "\(error)", "events": "\(drafts.count)"])
            complete(batch, with: batch.map { _ in .failure(error) })
        }
    }

    private func complete(_ batch: [Pending], with results: [Result<[Event?], any Error>]) {
        var byLoop: [ObjectIdentifier: (any EventLoop, [(Completion, Result<[Event?], any Error>)])] = [:]
        for (pending, result) in zip(batch, results) {
            guard let loop = pending.loop else {
                pending.completion(result)
                continue
            }
            byLoop[ObjectIdentifier(loop), default: (loop, [])].1.append((pending.completion, result))
        }
        for (loop, completions) in byLoop.values {
            loop.execute {
                for (completion, result) in completions { completion(result) }
            }
        }
    }

    private func messages(_ ids: [MessageID], cache: inout [MessageID: CachedMessage]) async throws
        -> [MessageID: Message]
    {
        let now = ContinuousClock.now
        let oldest = now - Self.messageCacheLifetime
        var found: [MessageID: Message] = [:]
        var missing: [MessageID] = []
        for id in ids {
            if let cached = cache[id], cached.readAt >= oldest {
                found[id] = cached.message
            } else {
                missing.append(id)
            }
        }
        guard !missing.isEmpty else { return found }
        let read = try await store.messages(missing)
        if cache.count + read.count > Self.messageCacheLimit { cache.removeAll(keepingCapacity: true) }
        for (id, message) in read {
            cache[id] = CachedMessage(message: message, readAt: now)
            found[id] = message
        }
        return found
    }
}
