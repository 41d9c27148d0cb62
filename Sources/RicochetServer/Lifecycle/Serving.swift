import Hummingbird
import Logging
import NIOCore
import RicochetStore
import ServiceLifecycle

/// Builds the server on `store` and runs it as ``serve(_:configuration:readiness:logger:overdue:)``
/// does; the store is closed at the end, also when building fails.
public func serve<S: Store>(
    _ configuration: AppConfiguration, store: S, readiness: Readiness, logger: Logger,
    onReady: @escaping @Sendable (ServerReady) async -> Void, overdue: @escaping @Sendable (String) -> Void
) async throws {
    // Once built, the application closes the store itself when it ends.
    var built = false
    let progress = ShutdownProgress()
    do {
        let app = try await buildApplication(
            configuration, store: store, logger: logger, readiness: readiness, progress: progress, onReady: onReady)
        built = true
        try await serve(
            app, configuration: configuration, readiness: readiness, logger: logger,
            overdue: { overdue(progress.waitingFor) })
    } catch {
        if !built { await store.close() }
        throw error
    }
}

/// Runs a built application until SIGTERM or SIGINT, then drains it. The
/// node stops being ready the moment the signal comes; if draining has not
/// ended `drainTimeout` later, `overdue` is called (the command ends the
/// process there), with what the shutdown waits for when `serve` built the
/// application (``ShutdownProgress``). A listener that cannot bind ends the run with a
/// ``ListenError``; any other service that fails ends it with its error.
public func serve(
    _ app: some ApplicationProtocol, configuration: AppConfiguration, readiness: Readiness, logger: Logger,
    overdue: @escaping @Sendable () -> Void
) async throws {
    let notice = DrainNotice(readiness: readiness, drainTimeout: configuration.drainTimeout, overdue: overdue)
    let group = ServiceGroup(
        configuration: .init(
            services: [app, notice], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    do {
        try await group.run()
        // Ending without a signal is a failure, so that a supervisor restarts it.
        if await readiness.phase != .draining { throw UnexpectedStop() }
    } catch let error as ListenError {
        throw error
    } catch let error as ServiceGroupError where error.errorCode == .serviceFinishedUnexpectedly {
        throw UnexpectedStop()
    } catch let error as IOError where "\(error)".hasPrefix("bind") {
        throw ListenError(host: configuration.host, port: configuration.port, option: "--http", error: error)
    } catch let error as SocketAddressError {
        throw ListenError(host: configuration.host, port: configuration.port, option: "--http", error: error)
    }
}

/// The service group ended though nobody asked it to.
public struct UnexpectedStop: Error, CustomStringConvertible {
    public var description: String { "a service stopped without being asked to; the log above says which" }
}

/// Told of a shutdown first of all services: marks the node as draining,
/// and watches that the rest ends in time.
struct DrainNotice: Service {
    let readiness: Readiness
    let drainTimeout: Duration
    let overdue: @Sendable () -> Void

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: the group is ending anyway
        }
        await readiness.draining()
        let drainTimeout = self.drainTimeout
        let overdue = self.overdue
        Task.detached {
            try? await Task.sleep(for: drainTimeout)
            overdue()
        }
    }
}
