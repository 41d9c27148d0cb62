import Synchronization

/// Wakes one waiting task: a notification that comes while nobody waits is
/// kept for the next wait, so none is lost.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    public func notify() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at the first notification, after `timeout`, or at once when
    /// the task is cancelled.
    public func wait(timeout: Duration) async {
        guard !Task.isCancelled else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await self.waitForNotification()
                } onCancel: {
                    self.notify()
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                    self.notify()
                } catch {}
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForNotification() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.pending {
                    state.pending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
