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
actor EventRecorder<Events: EventStore & MessageStore & ProfileStore & SubprofileStore>: Service {
    private struct Pending {
        let drafts: [EventDraft]
        let continuation: CheckedContinuation<[Event?], any Error>
    }

    private let store: Events
    private let logger: Logger
    private var queue: [Pending] = []
    private var wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    private var running = true
    /// Messages never change once registered, so their rows are kept here
    /// after the first read; the database stays the truth (a miss reads it).
    private var messageCache: [MessageID: Message] = [:]
    static var messageCacheLimit: Int { 100_000 }

    /// The most hits one transaction takes.
    static var maximumBatch: Int { 2000 }

    init(store: Events, logger: Logger) {
        self.store = store
        self.logger = logger
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Records the events of `drafts` and returns them once durable, one per
    /// draft: nil where the message does not exist (or is `account`'s no more).
    @discardableResult
    func record(_ drafts: [EventDraft]) async throws -> [Event?] {
        guard running else { throw CancellationError() }
        return try await withCheckedThrowingContinuation { continuation in
            queue.append(Pending(drafts: drafts, continuation: continuation))
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

    private func messages(_ ids: [MessageID]) async throws -> [MessageID: Message] {
        var found: [MessageID: Message] = [:]
        var missing: [MessageID] = []
        for id in ids {
            if let message = messageCache[id] { found[id] = message } else { missing.append(id) }
        }
        guard !missing.isEmpty else { return found }
        let read = try await store.messages(missing)
        if messageCache.count + read.count > Self.messageCacheLimit { messageCache.removeAll(keepingCapacity: true) }
        for (id, message) in read {
            messageCache[id] = message
            found[id] = message
        }
        return found
    }

    private func commitNext() async {
        var batch: [Pending] = []
        var count = 0
        while let first = queue.first, batch.isEmpty || count + first.drafts.count <= Self.maximumBatch {
            batch.append(queue.removeFirst())
            count += first.drafts.count
        }
        do {
            let drafts = batch.flatMap(\.drafts)
            let messages = try await messages(drafts.map(\.message))
            let profiles = try await store.profiles(messages.values.compactMap(\.profileID))
            let subprofiles = try await store.subprofiles(messages.values.compactMap(\.subprofileID))
            let perCaller: [[Event?]] = batch.map { pending in
                pending.drafts.map { draft in
                    messages[draft.message].map { message in
                        draft.event(
                            of: message, profile: message.profileID.flatMap { profiles[$0] },
                            subprofile: message.subprofileID.flatMap { subprofiles[$0] })
                    }
                }
            }
            try await store.insert(perCaller.flatMap { $0.compactMap { $0 } })
            for (pending, events) in zip(batch, perCaller) { pending.continuation.resume(returning: events) }
        } catch {
            logger.error("recording events failed", metadata: ["error": "\(error)", "events": "\(count)"])
            for pending in batch { pending.continuation.resume(throwing: error) }
        }
    }
}
