import Foundation
import RicochetCore
import Synchronization
import Testing

@testable import RicochetStore

/// Fan-out, the leased queue, results, retries, replays and the node
/// registry, alike on every backend.
@Suite("Delivery conformance")
struct DeliveryConformanceTests {
    func waiting(_ store: any Store, _ loop: FeedbackLoop, status: DeliveryStatus? = nil) async throws
        -> [DeliveryRecord]
    {
        try await store.deliveries(of: loop.id, account: loop.accountID, status: status, before: nil, limit: 1000)
    }

    /// PostgreSQL nodes plan from subscriptions they read earlier; a change
    /// made by another node must reach the very next event. (A SQLite file
    /// has one server, whose own writes drop its plan.)
    @Test(
        "the event after another node validates, resubscribes, disables, enables or deletes a loop is planned with that change",
        arguments: Backend.all.filter { $0 == .postgres })
    func changesFromAnotherNode(_ backend: Backend) async throws {
        let fresh = try await backend.make()
        var stores: [any Store] = []
        do {
            stores = [try await fresh.open(), try await fresh.open()]
            let (recorder, changer) = (stores[0], stores[1])
            let account = try await changer.createAccount(name: "a", key: .generate(), now: Date())
            var loop = try await Fixture.loop(changer, account: account.id, events: [.open], validated: false)
            func record(_ types: EventType...) async throws -> Int {
                try await recorder.insert(types.map { Fixture.event($0, account: account.id) })
                return try await waiting(recorder, loop).count
            }
            #expect(try await record(.open) == 0, "not validated yet")
            loop.markValidated(at: Date())
            loop = try await changer.update(loop)
            #expect(try await record(.open, .click) == 1)
            loop.events = [.click]
            loop = try await changer.update(loop)
            #expect(try await record(.open, .click) == 2)
            loop.disabled = .init(at: Date(), reason: "paused")
            loop = try await changer.update(loop)
            #expect(try await record(.click) == 2)
            loop.disabled = nil
            loop = try await changer.update(loop)
            #expect(try await record(.click) == 3)
            #expect(try await changer.delete(loop.id, of: account.id))
            #expect(try await record(.click, .open) == 0, "a deleted loop gets nothing, and recording goes on")
        } catch {
            Issue.record(error)
        }
        for store in stores { await store.close() }
        await fresh.dispose()
    }

    @Test(
        "an event queues one delivery per validated, enabled, subscribed loop of its account, in its transaction",
        arguments: Backend.all)
    func fanOut(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let alice = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let bob = try await store.createAccount(name: "b", key: .generate(), now: Date())
            let opens = try await Fixture.loop(store, account: alice.id, events: [.open])
            let everything = try await Fixture.loop(store, account: alice.id, events: Set(EventType.allCases))
            let unvalidated = try await Fixture.loop(store, account: alice.id, validated: false)
            var paused = try await Fixture.loop(store, account: alice.id)
            paused.disabled = .init(at: Date(), reason: "paused")
            paused = try await store.update(paused)
            let bobs = try await Fixture.loop(store, account: bob.id)
            let heard = Mutex(0)
            store.onEventsCommitted { heard.withLock { $0 += 1 } }
            let open = Fixture.event(.open, account: alice.id)
            try await store.insert([open, Fixture.event(.bounce, account: alice.id)])
            #expect(try await waiting(store, opens).map(\.webhookID) == [open.id])
            #expect(try await waiting(store, everything).count == 2)
            #expect(try await waiting(store, unvalidated).isEmpty)
            #expect(try await waiting(store, paused).isEmpty)
            #expect(try await waiting(store, bobs).isEmpty)
            #expect(heard.withLock { $0 } >= 1, "watchers hear of the commit")

            // A profile change records its event and its deliveries with it.
            try await store.insert(ProfileDatabase(id: "pdb_1", accountID: alice.id, name: "c", createdAt: Date()))
            try await store.insert(
                Profile(
                    id: "prf_1", accountID: alice.id, databaseID: "pdb_1", fields: [:], interests: [],
                    createdAt: Date(), modifiedAt: Date()),
                event: Fixture.event(.profileCreate, account: alice.id))
            #expect(try await waiting(store, everything).count == 3)

            // The next event sees a loop validated, re-subscribed, disabled.
            var later = try await Fixture.loop(store, account: alice.id, events: [.click], validated: false)
            later.markValidated(at: Date())
            later = try await store.update(later)
            try await store.insert([Fixture.event(.click, account: alice.id)])
            #expect(try await waiting(store, later).count == 1)
        }
    }

    @Test(
        "claims are leased: renewed by their holder, taken back when expired, results only under the lease",
        arguments: Backend.all)
    func leases(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let loop = try await Fixture.loop(store, account: account.id)
            try await store.insert((0..<3).map { _ in Fixture.event(.open, account: account.id) })
            let now = Date()
            let first = Fixture.lease("a#1", seconds: 30, from: now)
            let claimed = try await store.claimDue(loop: loop.id, now: now, limit: 2, lease: first)
            #expect(claimed.count == 2 && claimed.allSatisfy { $0.lease == first.id && $0.variablesJSON != nil })
            let other = try await store.claimDue(
                loop: loop.id, now: now, limit: 5, lease: Fixture.lease("b#1", seconds: 5, from: now))
            #expect(other.count == 1, "never the same delivery twice")
            var depths = QueueDepths()
            depths.deliveriesInFlight = 3
            #expect(try await store.queueDepths() == depths, "three claimed, none waiting")
            #expect(try await store.renewLeases(holder: "a#1", until: now.addingTimeInterval(60)) == 2)
            #expect(
                try await store.rescueExpiredLeases(now: now.addingTimeInterval(10)) == 1, "b's expired, a's renewed")
            #expect(try await store.rescueExpiredLeases(now: now.addingTimeInterval(61)) == 2)
            #expect(try await store.renewLeases(holder: "a#1", until: now.addingTimeInterval(120)) == 0)

            let second = Fixture.lease("c#1", seconds: 90, from: now)
            let again = try await store.claimDue(
                loop: loop.id, now: now.addingTimeInterval(61), limit: 5, lease: second)
            #expect(again.count == 3)
            let retaken = try #require(again.first { $0.seq == claimed[0].seq })
            #expect(retaken.webhookID == claimed[0].webhookID, "the same webhook-id")
            #expect(
                try await store.record([Fixture.result(claimed[0], .failed)], now: now) == 1, "a late result is refused"
            )
            try await store.release([claimed[0]], now: now)
            #expect(try await store.record([Fixture.result(retaken)], now: now) == 0)
            let (record, attempts) = try #require(try await store.delivery(retaken.id, account: account.id))
            #expect(record.status == .succeeded && record.attempts == 1)
            #expect(attempts.count == 2, "both attempts were made, both are logged")
            depths.deliveriesInFlight = 2
            #expect(try await store.queueDepths() == depths, "one succeeded, two still sending")
            #expect(attempts.last?.responseHeaders == [.init(name: "X-A", value: "1")])
            #expect(attempts.last?.requestHeaders == [.init(name: "webhook-id", value: retaken.webhookID)])
            #expect(record.body == retaken.payload(), "a JSON body is its event's variables")
            #expect(try await store.rescueExpiredLeases(now: .distantFuture) == 2, "the two still sending")
            depths.deliveriesInFlight = 0
            depths.deliveriesQueued = 2
            #expect(try await store.queueDepths() == depths, "the two back in the queue")
            #expect(try await store.delivery(retaken.id, account: account.id)?.0.status == .succeeded, "never undone")
        }
    }

    @Test(
        "a JSON body is not stored beside its event's variables; a form body is stored once and sent again as it was",
        arguments: Backend.all)
    func storedBodies(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let json = try await Fixture.loop(store, account: account.id)
            let form = try await Fixture.loop(store, account: account.id, format: .form)
            try await store.insert([Fixture.event(.open, account: account.id, tags: ["a"])])
            let now = Date()
            let retry = DeliveryResult.Next.retry(at: now)
            for loop in [json, form] {
                let claimed = try await store.claimDue(loop: loop.id, now: now, limit: 5, lease: Fixture.lease())
                try #require(claimed.count == 1)
                let sent = Fixture.result(claimed[0], retry, status: 500)
                #expect(sent.storedBody == (loop.format == .json ? nil : sent.body))
                #expect(try await store.record([sent], now: now) == 0)
                let (record, _) = try #require(try await store.delivery(claimed[0].id, account: account.id))
                #expect(record.body == sent.body, "the delivery shows the bytes sent (\(loop.format))")
                let again = try await store.claimDue(
                    loop: loop.id, now: now.addingTimeInterval(1), limit: 5, lease: Fixture.lease())
                try #require(again.count == 1)
                #expect(again[0].payload() == sent.body, "a retry sends the same bytes (\(loop.format))")
                #expect(again[0].body == (loop.format == .json ? nil : sent.body))
                #expect(Fixture.result(again[0]).storedBody == nil, "stored once")
            }
        }
    }

    @Test(
        "a retry comes due when its time comes; a failed delivery is retried or recovered; a window replayed",
        arguments: Backend.all)
    func retries(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let loop = try await Fixture.loop(store, account: account.id, events: [.open, .click])
            try await store.insert([
                Fixture.event(.open, account: account.id), Fixture.event(.click, account: account.id),
            ])
            let start = Date().addingTimeInterval(0.01)
            let lease = Fixture.lease(from: start)
            let claimed = try await store.claimDue(loop: loop.id, now: start, limit: 10, lease: lease)
            try #require(claimed.count == 2)
            let later = start.addingTimeInterval(60)
            #expect(
                try await store.record(
                    [
                        Fixture.result(claimed[0], .retry(at: later), status: 500),
                        Fixture.result(claimed[1], .failed, status: 500),
                    ],
                    now: start) == 0)
            #expect(try await store.claimDue(loop: loop.id, now: start, limit: 10, lease: lease).isEmpty, "not yet due")
            #expect(abs((try await store.nextDue(loop: loop.id) ?? .distantPast).timeIntervalSince(later)) < 0.01)
            let due = try await store.due(loop: loop.id, now: later, limit: 10)
            #expect(due.count == 1)
            #expect(try await store.retry(claimed[1].id, account: account.id, now: start))
            #expect(try await store.retry(claimed[1].id, account: "acc_other", now: start) == false)
            let retried = try await store.claimDue(loop: loop.id, now: start, limit: 10, lease: lease)
            #expect(retried.map(\.id) == [claimed[1].id])
            #expect(retried.first?.payload() == claimed[1].payload(), "the bytes of the first attempt")
            #expect(try await store.record([Fixture.result(retried[0], .failed, status: 500)], now: start) == 0)
            #expect(
                try await store.recover(
                    loop: loop.id, account: account.id, since: start.addingTimeInterval(-60), now: start) == 1)
            let replayed = try await store.replay(
                loop: loop.id, account: account.id, since: start.addingTimeInterval(-60),
                until: start.addingTimeInterval(60),
                now: start)
            #expect(replayed == 2)
            let all = try await waiting(store, loop)
            #expect(
                all.count == 4 && Set(all.map(\.webhookID)).count == 2, "a replay carries the events' own webhook-ids")
            let activity = try await store.activity(of: [loop.id], since: start.addingTimeInterval(-60))
            #expect(activity[loop.id]?.attempts == 3 && activity[loop.id]?.succeeded == 0)
            #expect(activity[loop.id]?.waiting == 4)
            #expect(try await store.prune(before: Date().addingTimeInterval(3600)) >= 3, "old attempts go")
        }
    }

    @Test(
        "nodes: heartbeats, named leases taken only when free or expired, freed when a node leaves",
        arguments: Backend.all)
    func cluster(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let now = Date()
            let a = NodeIdentity(name: "a", instance: "a#1")
            let b = NodeIdentity(name: "b", instance: "b#1")
            _ = try await store.heartbeat(a, startedAt: now, now: now, silentSince: now.addingTimeInterval(-10))
            let nodes = try await store.heartbeat(b, startedAt: now, now: now, silentSince: now.addingTimeInterval(-10))
            #expect(Set(nodes.map(\.instance)) == ["a#1", "b#1"])
            let gone = try await store.heartbeat(
                b, startedAt: now, now: now.addingTimeInterval(20), silentSince: now.addingTimeInterval(10))
            #expect(gone.map(\.instance) == ["b#1"], "a silent node is forgotten")

            let until = now.addingTimeInterval(10)
            #expect(
                try await store.acquireLeases(["loop:1", "loop:2"], holder: "a#1", until: until, now: now) == [
                    "loop:1", "loop:2",
                ])
            #expect(
                try await store.acquireLeases(["loop:2", "loop:3"], holder: "b#1", until: until, now: now) == ["loop:3"]
            )
            #expect(
                try await store.acquireLeases(["loop:1"], holder: "a#1", until: until.addingTimeInterval(10), now: now)
                    == ["loop:1"], "renewed")
            #expect(
                try await store.leases(prefix: "loop:", now: now) == [
                    "loop:1": "a#1", "loop:2": "a#1", "loop:3": "b#1",
                ])
            #expect(
                try await store.acquireLeases(
                    ["loop:2"], holder: "b#1", until: until.addingTimeInterval(20), now: until.addingTimeInterval(1))
                    == ["loop:2"], "an expired lease is taken")
            try await store.releaseLeases(["loop:1"], holder: "b#1")
            #expect(try await store.leases(prefix: "loop:", now: now)["loop:1"] == "a#1", "only its holder frees it")
            try await store.releaseLeases(["loop:1"], holder: "a#1")
            #expect(try await store.leases(prefix: "loop:", now: now)["loop:1"] == nil)
            try await store.leave("b#1")
            #expect(try await store.leases(prefix: "loop:", now: now).isEmpty)
            #expect(try await store.leases(prefix: "job:", now: now).isEmpty)
        }
    }
}
