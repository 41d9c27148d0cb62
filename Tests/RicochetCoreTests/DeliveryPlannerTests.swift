import Foundation
import Testing

@testable import RicochetCore

@Suite("Delivery planner")
struct DeliveryPlannerTests {
    func loop(
        _ id: String, _ account: String, _ events: Set<EventType>, format: PayloadFormat = .json,
        status: LoopStatus = .validated, disabled: Bool = false
    ) -> LoopSubscription {
        LoopSubscription(
            loopID: id, accountID: account, events: events, format: format, status: status, disabled: disabled)
    }

    func event(_ id: String, _ account: String, _ type: EventType) -> Event {
        Event(
            id: id, accountID: account, type: type, message: nil, occurredAt: Date(), machineReason: nil,
            variables: [:])
    }

    @Test("an event goes to each validated, enabled loop of its own account that asked for its type, and no other")
    func fanOut() {
        let planner = DeliveryPlanner(loops: [
            loop("l_b", "alice", [.open, .click], format: .form),
            loop("l_a", "alice", [.open]),
            loop("l_c", "alice", [.click]),
            loop("l_d", "alice", [.open], status: .unvalidated),
            loop("l_e", "alice", [.open], disabled: true),
            loop("l_f", "bob", [.open]),
        ])
        var counter = 0
        let planned = planner.plan(
            [event("e1", "alice", .open), event("e2", "carol", .open), event("e3", "alice", .bounce)],
            newID: {
                counter += 1
                return "d\(counter)"
            })
        #expect(
            planned == [
                PlannedDelivery(id: "d1", loopID: "l_a", accountID: "alice", eventID: "e1", format: .json),
                PlannedDelivery(id: "d2", loopID: "l_b", accountID: "alice", eventID: "e1", format: .form),
            ])
        #expect(DeliveryPlanner(loops: [loop("l", "a", [.open], disabled: true)]).isEmpty)
        #expect(DeliveryPlanner.empty.plan([event("e1", "alice", .open)]).isEmpty)
    }

    @Test("a replay plans the loop's own events of its types, deliverable or not")
    func replay() {
        let paused = loop("l_a", "alice", [.open, .click], disabled: true)
        let planned = DeliveryPlanner.replay(
            [
                (id: "e1", accountID: "alice", type: EventType.open), (id: "e2", accountID: "alice", type: .bounce),
                (id: "e3", accountID: "bob", type: .open), (id: "e4", accountID: "alice", type: .click),
            ], to: paused)
        #expect(planned.map(\.eventID) == ["e1", "e4"])
        #expect(Set(planned.map(\.id)).count == 2, "each delivery its own id")
    }

    @Test("delivery ids are dlv_ and a time-ordered id: none repeated, their time part never goes back")
    func ids() {
        let ids = (0..<1000).map { _ in DeliveryPlanner.newDeliveryID() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { $0.hasPrefix("dlv_") && $0.utf8.count == 24 })
        let times = ids.map { $0.utf8.dropFirst(4).prefix(10) }
        #expect(zip(times, times.dropFirst()).allSatisfy { !$1.lexicographicallyPrecedes($0) })
    }
}
