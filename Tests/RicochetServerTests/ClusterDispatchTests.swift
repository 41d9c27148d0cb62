import Foundation
import Logging
import RicochetCore
import RicochetDelivery
import RicochetSQLite
import RicochetStore
import ServiceLifecycle
import Testing

/// Two dispatchers on one database, as two nodes would run them, with short
/// heartbeats and leases so that handovers happen within a test's time.
@Suite("Loops owned by one node at a time")
struct ClusterDispatchTests {
    static func configuration(_ name: String) -> Dispatcher<SQLiteStore>.Configuration {
        var configuration = Dispatcher<SQLiteStore>.Configuration()
        configuration.node = .current(name: name)
        configuration.heartbeat = .milliseconds(100)
        configuration.loopLeaseDuration = .milliseconds(800)
        configuration.nodeTimeout = .milliseconds(800)
        configuration.leaseDuration = .seconds(2)
        configuration.leaseRenewal = .milliseconds(300)
        configuration.loopRefresh = .milliseconds(200)
        configuration.drainTimeout = .seconds(2)
        return configuration
    }

    /// A node: its dispatcher running in a service group of its own until stopped.
    struct Node {
        let dispatcher: Dispatcher<SQLiteStore>
        let client = OutboundClient(egressGuard: nil)
        let group: ServiceGroup
        let task: Task<Void, Error>

        init(_ name: String, store: SQLiteStore) {
            let logger = Logger(label: name)
            dispatcher = Dispatcher(
                store: store, client: client, logger: logger,
                configuration: ClusterDispatchTests.configuration(name))
            group = ServiceGroup(services: [dispatcher], logger: logger)
            task = Task { [group] in try await group.run() }
        }

        func stop() async throws {
            await group.triggerGracefulShutdown()
            try await task.value
            try await client.shutdown()
        }
    }

    func holders(_ store: SQLiteStore) async throws -> [String: Int] {
        try await store.leases(prefix: "loop:", now: Date()).values.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    func record(_ count: Int, account: Account.ID, in store: SQLiteStore) async throws -> [String] {
        let events = (0..<count).map { _ in
            Event(
                id: Event.newID(), accountID: account, type: .open, message: nil, occurredAt: Date(),
                machineReason: nil, variables: ["type": "open"])
        }
        try await store.insert(events)
        return events.map(\.id)
    }

    @Test(
        "two nodes share the loops two and two; every event reaches every loop; a loop of concurrency 1 never has two requests at once; when one node stops the other takes its loops"
    )
    func shared() async throws {
        let receiver = TestReceiver()
        try await receiver.serve { base in
            let store = try await SQLiteStore.open(path: try Harness.database(), logger: Logger(label: "test"))
            let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let paths = (0..<4).map { "/hooks/\($0)" }
            for (index, path) in paths.enumerated() {
                await receiver.set(path, .init(delay: .milliseconds(index == 0 ? 20 : 0)))
                var loop = FeedbackLoop.register(
                    accountID: account.id, url: try LoopURL(base + path), events: [.open], format: .json,
                    description: "", now: Date())
                loop.delivery.concurrency = index == 0 ? 1 : 4
                try await store.insert(loop, secret: .generate())
                loop.markValidated(at: Date())
                _ = try await store.update(loop)
            }
            let first = Node("node-a", store: store)
            let second = Node("node-b", store: store)
            #expect(
                try await DeliveryTests.eventually(30) {
                    try await holders(store).values.sorted() == [2, 2]
                }, "two loops each")
            let ids = try await record(30, account: account.id, in: store)
            @Sendable func received(_ path: String) async -> Set<String> {
                Set(await receiver.posts(to: path).compactMap { $0.headers[.init("webhook-id")!] })
            }
            #expect(
                try await DeliveryTests.eventually(20) {
                    for path in paths where await received(path) != Set(ids) { return false }
                    return true
                }, "every event to every loop")
            try await first.stop()
            #expect(
                try await DeliveryTests.eventually(10) {
                    try await holders(store).values.sorted() == [4]
                }, "the remaining node holds all four")
            let more = try await record(30, account: account.id, in: store)
            #expect(
                try await DeliveryTests.eventually(20) {
                    for path in paths where await received(path) != Set(ids + more) { return false }
                    return true
                }, "and delivers to them")
            #expect(await receiver.mostInFlight["/hooks/0"] == 1, "concurrency 1 across both nodes")
            try await second.stop()
            #expect(try await holders(store).isEmpty, "a node that stops gives its loops back")
            await store.close()
        }
    }
}
