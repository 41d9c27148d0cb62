import Foundation
import RicochetCore
import RicochetStore

/// Things the conformance tests make, the same on every backend.
enum Fixture {
    static func event(_ type: EventType, account: Account.ID, at date: Date = Date(), tags: [String] = [])
        -> Event
    {
        Event(
            id: Event.newID(at: date), accountID: account, type: type, message: nil, occurredAt: date,
            machineReason: nil,
            variables: ["type": .string(type.rawValue), "tags": .list(tags.map(PayloadValue.string))])
    }

    /// A validated loop of `account` for `events`.
    static func loop(
        _ store: any Store, account: Account.ID, events: Set<EventType> = [.open], validated: Bool = true,
        format: PayloadFormat = .json
    ) async throws -> FeedbackLoop {
        var loop = FeedbackLoop.register(
            accountID: account, url: try LoopURL("https://r.example/hook"), events: events, format: format,
            description: "", now: Date())
        try await store.insert(loop, secret: .generate())
        guard validated else { return loop }
        loop.markValidated(at: Date())
        return try await store.update(loop)
    }

    /// The result of sending `delivery`'s payload, as the dispatcher makes it.
    static func result(_ delivery: ClaimedDelivery, _ next: DeliveryResult.Next = .succeeded, status: Int = 200)
        -> DeliveryResult
    {
        DeliveryResult(
            delivery: delivery, body: delivery.payload() ?? [],
            attempt: DeliveryAttempt(
                startedAt: Date(milliseconds: Date().milliseconds), durationMilliseconds: 5, status: status,
                errorClass: nil, error: nil,
                responseHeaders: [.init(name: "X-A", value: "1")], responseBody: Array("ok".utf8),
                requestHeaders: [.init(name: "webhook-id", value: delivery.webhookID)]),
            next: next, disableLoop: nil)
    }

    static func lease(_ holder: String = "node#1", seconds: TimeInterval = 30, from now: Date = Date())
        -> DeliveryLease
    {
        DeliveryLease(holder: holder, expiresAt: now.addingTimeInterval(seconds))
    }
}
