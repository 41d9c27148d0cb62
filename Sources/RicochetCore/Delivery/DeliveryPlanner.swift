/// One delivery that fan-out decided on: an event, to one loop.
public struct PlannedDelivery: Sendable, Equatable {
    public let id: String
    public let loopID: FeedbackLoop.ID
    public let accountID: Account.ID
    /// The event's id, which is also the delivery's `webhook-id`: every
    /// delivery of one event to one loop, replays included, carries it.
    public let eventID: String
    public let format: PayloadFormat

    public init(id: String, loopID: FeedbackLoop.ID, accountID: Account.ID, eventID: String, format: PayloadFormat) {
        self.id = id
        self.loopID = loopID
        self.accountID = accountID
        self.eventID = eventID
        self.format = format
    }
}

/// Decides which loops get a delivery of which event. Pure: the stores call
/// it inside the transaction that records the events, with the loops that
/// are deliverable at that moment, and write what it returns beside them.
public struct DeliveryPlanner: Sendable {
    /// Per account, per event type: the loops that asked for it, in loop order.
    private let subscribers: [Account.ID: [EventType: [LoopSubscription]]]

    /// `loops` as they stand now; only the deliverable ones (validated, not
    /// disabled) will receive anything.
    public init(loops: some Sequence<LoopSubscription>) {
        var subscribers: [Account.ID: [EventType: [LoopSubscription]]] = [:]
        for loop in loops.filter(\.isDeliverable).sorted(by: { $0.loopID < $1.loopID }) {
            for type in loop.events {
                subscribers[loop.accountID, default: [:]][type, default: []].append(loop)
            }
        }
        self.subscribers = subscribers
    }

    /// No loop receives anything.
    public static let empty = DeliveryPlanner(loops: [])

    /// Whether no event could get a delivery: the store may skip writing any.
    public var isEmpty: Bool { subscribers.isEmpty }

    /// A delivery per event and per deliverable loop of the event's account
    /// that asked for its type, in event order and then loop order.
    public func plan(
        _ events: some Sequence<Event>, newID: () -> String = DeliveryPlanner.newDeliveryID
    ) -> [PlannedDelivery] {
        guard !subscribers.isEmpty else { return [] }
        var planned: [PlannedDelivery] = []
        for event in events {
            for loop in subscribers[event.accountID]?[event.type] ?? [] {
                planned.append(Self.delivery(of: event.id, to: loop, newID: newID))
            }
        }
        return planned
    }

    /// A delivery to `loop` for each of `events` that it asks for and that is
    /// its account's, whether or not the loop is deliverable now (a replay is
    /// asked for by its owner and waits in the queue until it is).
    public static func replay(
        _ events: some Sequence<(id: String, accountID: Account.ID, type: EventType)>, to loop: LoopSubscription,
        newID: () -> String = DeliveryPlanner.newDeliveryID
    ) -> [PlannedDelivery] {
        events.compactMap { event in
            guard event.accountID == loop.accountID, loop.events.contains(event.type) else { return nil }
            return delivery(of: event.id, to: loop, newID: newID)
        }
    }

    private static func delivery(of eventID: String, to loop: LoopSubscription, newID: () -> String)
        -> PlannedDelivery
    {
        PlannedDelivery(
            id: newID(), loopID: loop.loopID, accountID: loop.accountID, eventID: eventID, format: loop.format)
    }

    /// `dlv_` and a time-ordered id: deliveries planned together sit together
    /// in the unique index, and so do their attempts in theirs.
    public static func newDeliveryID() -> String {
        TimeOrderedID.make("dlv_")
    }
}
