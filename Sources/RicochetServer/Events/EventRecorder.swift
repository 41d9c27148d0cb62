import Foundation
import Logging
import RicochetCore
import RicochetStore
import ServiceLifecycle

/// The one place events are recorded: hits become enriched events, written in
/// group commits — every hit that arrives while a transaction commits joins
/// the next one — and a caller is answered only once its event is durable.
///
/// Later stages (the delivery outbox) join the same transaction here.
actor EventRecorder<Events: EventStore & MessageStore>: Service {
    private struct Pending {
        let hits: [TrackingHit]
        let continuation: CheckedContinuation<[Event], any Error>
    }

    private let store: Events
    private let logger: Logger
    private var queue: [Pending] = []
    private var wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    private var running = true

    /// The most hits one transaction takes.
    static var maximumBatch: Int { 2000 }

    init(store: Events, logger: Logger) {
        self.store = store
        self.logger = logger
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Records the events of `hits` and returns them once durable. Hits on
    /// messages that no longer exist record nothing.
    @discardableResult
    func record(_ hits: [TrackingHit]) async throws -> [Event] {
        guard running else { throw CancellationError() }
        return try await withCheckedThrowingContinuation { continuation in
            queue.append(Pending(hits: hits, continuation: continuation))
            wake.yield()
        }
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in wakes {
                while !queue.isEmpty { await commitNext() }
                if !running { break }
            }
        } onGracefulShutdown: {
            Task { await self.stop() }
        }
        // Whatever is still queued is written before the recorder stops.
        while !queue.isEmpty { await commitNext() }
    }

    private func stop() {
        running = false
        wake.finish()
    }

    private func commitNext() async {
        var batch: [Pending] = []
        var count = 0
        while let first = queue.first, batch.isEmpty || count + first.hits.count <= Self.maximumBatch {
            batch.append(queue.removeFirst())
            count += first.hits.count
        }
        do {
            let hits = batch.flatMap(\.hits)
            let messages = try await store.messages(hits.map(\.message))
            var perCaller: [[Event]] = []
            for pending in batch {
                perCaller.append(
                    pending.hits.compactMap { hit in messages[hit.message].map { Event.tracking(hit, of: $0) } })
            }
            try await store.insert(perCaller.flatMap { $0 })
            for (pending, events) in zip(batch, perCaller) { pending.continuation.resume(returning: events) }
        } catch {
            logger.error("recording events failed", metadata: ["error": "\(error)", "hits": "\(count)"])
            for pending in batch { pending.continuation.resume(throwing: error) }
        }
    }
}
