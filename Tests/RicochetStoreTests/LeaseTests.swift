import Foundation
import RicochetCore
import Testing

@testable import RicochetSQLite
@testable import RicochetStore

@Suite("Delivery leases on SQLite")
struct LeaseTests {
    /// A store with a validated loop and `count` queued deliveries to it.
    func queue(_ count: Int, in database: TemporaryDatabase) async throws -> (SQLiteStore, FeedbackLoop) {
        let store = try await database.open()
        let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
        var loop = FeedbackLoop.register(
            accountID: account.id, url: try LoopURL("https://r.example/hook"), events: [.open], format: .json,
            description: "", now: Date())
        try await store.insert(loop, secret: .generate())
        loop.markValidated(at: Date())
        loop = try await store.update(loop)
        try await store.insert(
            (0..<count).map { _ in
                Event(
                    id: Event.newID(), accountID: account.id, type: .open, message: nil, occurredAt: Date(),
                    machineReason: nil, variables: ["type": "open"])
            })
        return (store, loop)
    }

    func result(_ delivery: ClaimedDelivery, _ next: DeliveryResult.Next = .succeeded) -> DeliveryResult {
        DeliveryResult(
            delivery: delivery, body: Array("{}".utf8),
            attempt: DeliveryAttempt(
                startedAt: Date(), durationMilliseconds: 5, status: 200, errorClass: nil, error: nil,
                responseHeaders: [], responseBody: []),
            next: next, disableLoop: nil)
    }

    func row(_ store: SQLiteStore, _ delivery: ClaimedDelivery) async throws -> (String, Int, Int) {
        let row = try await store.database.read(
            """
            SELECT status, attempts, (SELECT COUNT(*) FROM delivery_attempts WHERE delivery_id = deliveries.id) AS logged
            FROM deliveries WHERE seq = ?
            """, [.int64(delivery.seq)]
        ).first
        return (
            row?.column("status")?.string ?? "", row?.column("attempts")?.integer ?? -1,
            row?.column("logged")?.integer ?? -1
        )
    }

    @Test(
        "an expired lease is taken back; its holder's late result is logged but changes nothing; the new holder's lands"
    )
    func expiredLease() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let (store, loop) = try await queue(1, in: database)
        let now = Date()
        let first = DeliveryLease(holder: "a#1", expiresAt: now.addingTimeInterval(30))
        let claimed = try #require(try await store.claimDue(loop: loop.id, now: now, limit: 10, lease: first).first)
        #expect(try await store.rescueExpiredLeases(now: now.addingTimeInterval(29)) == 0, "not expired yet")
        #expect(try await store.renewLeases(holder: "a#1", until: now.addingTimeInterval(60)) == 1)
        #expect(try await store.rescueExpiredLeases(now: now.addingTimeInterval(59)) == 0, "renewed")
        #expect(try await store.rescueExpiredLeases(now: now.addingTimeInterval(61)) == 1)
        #expect(
            try await store.renewLeases(holder: "a#1", until: now.addingTimeInterval(120)) == 0,
            "a rescued lease stays taken")

        let second = DeliveryLease(holder: "b#1", expiresAt: now.addingTimeInterval(90))
        let again = try #require(
            try await store.claimDue(loop: loop.id, now: now.addingTimeInterval(61), limit: 10, lease: second).first)
        #expect(
            again.seq == claimed.seq && again.webhookID == claimed.webhookID, "the same delivery, the same webhook-id")
        #expect(try await store.record([result(claimed, .failed)], now: now) == 1, "the late result is refused")
        #expect(try await row(store, claimed) == ("sending", 0, 1), "logged, not written")
        try await store.release([claimed], now: now)
        #expect(try await row(store, claimed).0 == "sending", "nor can the old holder release it")
        #expect(try await store.record([result(again)], now: now) == 0)
        #expect(try await row(store, claimed) == ("succeeded", 1, 2))
        #expect(try await store.rescueExpiredLeases(now: .distantFuture) == 0, "a finished delivery is never undone")
        #expect(try await store.record([result(again, .failed)], now: now) == 1, "nor written twice")
        #expect(try await row(store, claimed).0 == "succeeded")
        await store.close()
    }

    @Test("a node renews only its own leases")
    func ownLeases() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let (store, loop) = try await queue(3, in: database)
        let now = Date()
        _ = try await store.claimDue(
            loop: loop.id, now: now, limit: 2, lease: DeliveryLease(holder: "a#1", expiresAt: now.addingTimeInterval(5))
        )
        _ = try await store.claimDue(
            loop: loop.id, now: now, limit: 1, lease: DeliveryLease(holder: "b#1", expiresAt: now.addingTimeInterval(5))
        )
        #expect(try await store.renewLeases(holder: "b#1", until: now.addingTimeInterval(60)) == 1)
        #expect(try await store.rescueExpiredLeases(now: now.addingTimeInterval(10)) == 2, "a's two, not b's one")
        await store.close()
    }
}
