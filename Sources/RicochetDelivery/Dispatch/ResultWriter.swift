import Foundation
import Logging
import RicochetCore
import RicochetStore
import Synchronization

/// Writes attempts down behind the dispatcher's back: whatever came in while
/// the last transaction ran goes into the next one, in the order it came. The
/// dispatcher starts the next request as soon as an answer arrives and never
/// waits for the disk; a delivery whose answer is not yet written stays in
/// `sending` under its lease, and is queued again if that lease expires first
/// (at-least-once).
final class ResultWriter<Store: DeliveryStore>: Sendable {
    private struct State {
        var pending: [DeliveryResult] = []
        var writing = false
    }

    private let state = Mutex(State())
    private let store: Store
    private let logger: Logger
    /// Called after each commit with what it wrote.
    private let written: @Sendable ([DeliveryResult]) -> Void

    init(store: Store, logger: Logger, written: @escaping @Sendable ([DeliveryResult]) -> Void) {
        self.store = store
        self.logger = logger
        self.written = written
    }

    func submit(_ results: [DeliveryResult]) {
        guard !results.isEmpty else { return }
        let start = state.withLock { state in
            state.pending += results
            defer { state.writing = true }
            return !state.writing
        }
        if start { Task { await drain() } }
    }

    /// Returns once everything submitted before is written, or at `deadline`.
    func flush(until deadline: ContinuousClock.Instant) async {
        while ContinuousClock.now < deadline {
            let idle = state.withLock { !$0.writing && $0.pending.isEmpty }
            if idle { return }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    private func drain() async {
        var backoff = Backoff()
        while true {
            let batch = state.withLock { state -> [DeliveryResult] in
                defer { state.pending = [] }
                if state.pending.isEmpty { state.writing = false }
                return state.pending
            }
            guard !batch.isEmpty else { return }
            do {
                let late = try await store.record(batch, now: Date())
                if late > 0 {
                    logger.warning(
                        "results came after their lease expired and were not written; the deliveries were taken back and go out again",
                        metadata: ["count": "\(late)"])
                }
                backoff.succeeded()
                written(batch)
            } catch {
                // Nothing is dropped: the batch goes back in front and is tried again.
                logger.error(
                    "writing delivery attempts failed; trying again shortly",
                    metadata: ["error": "\(error)", "attempts": "\(batch.count)"])
                state.withLock { $0.pending = batch + $0.pending }
                try? await Task.sleep(for: backoff.failed())
            }
        }
    }
}
