import Foundation
import RicochetCore
import Synchronization
import Testing

@testable import RicochetSQLite
@testable import RicochetStore

@Suite("Outbox")
struct OutboxTests {
    func event(_ type: EventType, account: Account.ID) -> Event {
        Event(
            id: Event.newID(), accountID: account, type: type, message: nil, occurredAt: Date(), machineReason: nil,
            variables: ["type": .string(type.rawValue)])
    }

    @Test("recording an event queues one delivery per validated, enabled loop of its account that asked for its type")
    func queued() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.open()
        let alice = try await store.createAccount(name: "a", key: .generate(), now: Date())
        let bob = try await store.createAccount(name: "b", key: .generate(), now: Date())
        func loop(_ account: Account, _ events: Set<EventType>, validated: Bool = true, disabled: Bool = false)
            async throws -> FeedbackLoop
        {
            var loop = FeedbackLoop.register(
                accountID: account.id, url: try LoopURL("https://r.example/hook"), events: events, format: .form,
                description: "", now: Date())
            try await store.insert(loop, secret: .generate())
            if validated { loop.markValidated(at: Date()) }
            if disabled { loop.disabled = .init(at: Date(), reason: "test") }
            return try await store.update(loop)
        }
        let opens = try await loop(alice, [.open])
        let everything = try await loop(alice, Set(EventType.allCases))
        _ = try await loop(alice, [.open], validated: false)
        _ = try await loop(alice, [.open], disabled: true)
        _ = try await loop(alice, [.click])
        _ = try await loop(bob, [.open])
        let counter = Counter()
        store.onEventsCommitted { counter.add() }
        try await store.insert([event(.open, account: alice.id), event(.profileUpdate, account: alice.id)])
        #expect(counter.value == 1, "watchers hear of the commit")
        let rows = try await store.database.read(
            "SELECT loop_id, webhook_id, status, format FROM deliveries ORDER BY seq")
        let pairs = rows.map { "\($0.column("loop_id")!.string!) \($0.column("status")!.string!)" }
        #expect(
            pairs.sorted() == ["\(everything.id) queued", "\(everything.id) queued", "\(opens.id) queued"].sorted())
        #expect(Set(rows.map { $0.column("webhook_id")!.string! }).count == 2, "the webhook-id is the event's id")
        let lease = DeliveryLease(holder: "node-a#1", expiresAt: Date().addingTimeInterval(30))
        let claimed = try await store.claimDue(
            loop: everything.id, now: Date().addingTimeInterval(1), limit: 10, lease: lease)
        #expect(claimed.count == 2)
        #expect(claimed.allSatisfy { $0.lease == lease.id })
        #expect(claimed.allSatisfy { $0.body == nil && $0.variablesJSON != nil })
        for delivery in claimed {
            let variables = try JSONPayloadDecoder.decode(delivery.variablesJSON!)
            #expect(delivery.payload() == Array(delivery.format.encode(variables).utf8))
        }
        #expect(
            try await store.claimDue(loop: everything.id, now: Date().addingTimeInterval(1), limit: 10, lease: lease)
                .isEmpty)
        try await store.release([claimed[0]], now: Date())
        let again = try await store.claimDue(
            loop: everything.id, now: Date().addingTimeInterval(1), limit: 10, lease: lease)
        #expect(again.map(\.seq) == [claimed[0].seq], "a released delivery is queued as it was")
        await store.close()
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

@Suite("What a claimed delivery sends")
struct ClaimedPayloadTests {
    private func claimed(_ format: PayloadFormat, body: [UInt8]? = nil, variables: String?) -> ClaimedDelivery {
        ClaimedDelivery(
            seq: 1, id: "dlv_1", lease: "lse_1", loopID: "loop_1", webhookID: "evt_1", format: format, attempts: 0,
            body: body, variablesJSON: variables, createdAt: Date())
    }

    @Test("a JSON loop gets the stored variables as they are; a form loop gets them form-encoded")
    func rendering() {
        let stored = #"{"type":"open","tags":["a","b"],"profile":{"fields":{"city":"Köln"}}}"#
        #expect(claimed(.json, variables: stored).payload() == Array(stored.utf8))
        let form = String(decoding: claimed(.form, variables: stored).payload() ?? [], as: UTF8.self)
        #expect(form == "type=open&tags[]=a&tags[]=b&profile[fields][city]=K%C3%B6ln")
    }

    @Test("the bytes of the first attempt win; unreadable variables give nothing to send")
    func fixedAndUnreadable() {
        #expect(claimed(.form, body: Array("x=1".utf8), variables: "{not json").payload() == Array("x=1".utf8))
        #expect(claimed(.form, variables: "{not json").payload() == nil)
        #expect(claimed(.form, variables: nil).payload() == nil)
    }
}
