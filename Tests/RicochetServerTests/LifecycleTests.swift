import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

@testable import RicochetServer

/// How `serve` ends: with the error of a service that fails, as a failure
/// when a service stops by itself, and with one line for a taken port.
@Suite("Serving: how the process ends")
struct LifecycleTests {
    struct Broke: Error {}

    /// Fails once the server is up.
    struct FailsLater: Service {
        func run() async throws {
            try await Task.sleep(for: .milliseconds(200))
            throw Broke()
        }
    }

    /// Returns without being asked to.
    struct StopsByItself: Service {
        func run() async throws {}
    }

    /// Says it runs; once asked to stop, ends only when released.
    struct Stuck: Service {
        let started: AsyncStream<Void>.Continuation
        let release: AsyncStream<Void>

        func run() async throws {
            started.yield()
            try? await gracefulShutdown()
            for await _ in release { break }
        }
    }

    /// Runs until shutdown, as services should.
    struct Waits: Service {
        func run() async throws { try? await gracefulShutdown() }
    }

    func app(port: Int = 0, _ service: any Service) -> some ApplicationProtocol {
        var app = Application(router: Router(), configuration: .init(address: .hostname("127.0.0.1", port: port)))
        app.addServices(service)
        return app
    }

    func configuration(port: Int = 0) -> AppConfiguration {
        var configuration = AppConfiguration(host: "127.0.0.1", port: port)
        configuration.drainTimeout = .seconds(5)
        return configuration
    }

    @Test("a service that fails after start ends serve with its error", .timeLimit(.minutes(1)))
    func failsLater() async throws {
        await #expect(throws: Broke.self) {
            try await serve(
                app(FailsLater()), configuration: configuration(), readiness: Readiness(),
                logger: Logger(label: "test"), overdue: {})
        }
    }

    @Test("a service that stops by itself ends serve as a failure, not as a clean exit", .timeLimit(.minutes(1)))
    func stopsByItself() async throws {
        await #expect(throws: UnexpectedStop.self) {
            try await serve(
                app(StopsByItself()), configuration: configuration(), readiness: Readiness(),
                logger: Logger(label: "test"), overdue: {})
        }
    }

    @Test("a taken HTTP port ends serve at once with one line naming the address", .timeLimit(.minutes(1)))
    func takenPort() async throws {
        let holder = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(holder.localAddress?.port)
        do {
            try await serve(
                app(port: port, Waits()), configuration: configuration(port: port), readiness: Readiness(),
                logger: Logger(label: "test"), overdue: {})
            Issue.record("serve did not fail")
        } catch let error as ListenError {
            #expect(error.description == "cannot listen on 127.0.0.1:\(port) (--http): address already in use")
        }
        try await holder.close()
    }

    @Test("a shutdown request makes the node not ready at once, and the watch calls overdue after the drain time")
    func drainNotice() async throws {
        let readiness = Readiness()
        await readiness.started()
        let (overdue, overdueSink) = AsyncStream.makeStream(of: Void.self)
        let notice = DrainNotice(readiness: readiness, drainTimeout: .milliseconds(100)) { overdueSink.yield() }
        let group = ServiceGroup(
            configuration: .init(
                services: [notice, Waits()], gracefulShutdownSignals: [], logger: Logger(label: "test")))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            #expect(await readiness.reasonNotReady() == nil)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(await readiness.reasonNotReady()?.contains("draining") == true)
        var calls = overdue.makeAsyncIterator()
        #expect(await calls.next() != nil, "overdue is called once the drain time is over")
    }

    @Test("an overdue shutdown names the service asked to stop that has not")
    func waitingFor() async throws {
        let progress = ShutdownProgress()
        let (release, releaseSink) = AsyncStream.makeStream(of: Void.self)
        let (started, startedSink) = AsyncStream.makeStream(of: Void.self)
        let stuck = progress.named("the stuck one", Stuck(started: startedSink, release: release))
        let quick = progress.named("the quick one", ShutdownHook {})
        // Stopped in reverse order: the quick one first, then the stuck one.
        let group = ServiceGroup(
            configuration: .init(services: [stuck, quick], gracefulShutdownSignals: [], logger: Logger(label: "test")))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            for await _ in started { break }
            #expect(progress.waitingFor == "the HTTP server's open connections", "nothing asked to stop yet")
            await group.triggerGracefulShutdown()
            #expect(
                try await DeliveryTests.eventually { progress.waitingFor == "the stuck one" }, "\(progress.waitingFor)")
            releaseSink.yield()
            try await tasks.waitForAll()
        }
    }
}
