import NIOConcurrencyHelpers
import NIOCore

/// Thrown by ``withDeadline(_:on:_:)`` when time runs out.
struct DeadlineExceeded: Error {}

/// Runs `operation`, cancelling it when `duration` has passed: one task and
/// one timer on `eventLoop`, so a request pays for no task group.
func withDeadline<T: Sendable>(
    _ duration: Duration, on eventLoop: any EventLoop,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let work = Task { try await operation() }
    let expired = NIOLockedValueBox(false)
    let timer = eventLoop.scheduleTask(in: TimeAmount(duration)) {
        expired.withLockedValue { $0 = true }
        work.cancel()
    }
    defer { timer.cancel() }
    do {
        return try await withTaskCancellationHandler {
            try await work.value
        } onCancel: {
            work.cancel()
        }
    } catch {
        if expired.withLockedValue({ $0 }) { throw DeadlineExceeded() }
        throw error
    }
}
