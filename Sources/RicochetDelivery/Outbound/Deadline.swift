/// Thrown by ``withDeadline(_:_:)`` when time runs out.
struct DeadlineExceeded: Error {}

/// Runs `operation`, cancelling it when `duration` has passed.
func withDeadline<T: Sendable>(
    _ duration: Duration,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
