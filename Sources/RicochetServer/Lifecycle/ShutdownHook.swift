import ServiceLifecycle

/// A service that does nothing until graceful shutdown, then runs `action`:
/// closing a client or a database in its turn, after the server has drained.
struct ShutdownHook: Service {
    let action: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        await action()
    }
}
