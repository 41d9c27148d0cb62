/// What fan-out needs to know of a loop: whose it is, whether it may
/// receive anything, which events it asked for and in which format.
public struct LoopSubscription: Sendable, Equatable {
    public let loopID: FeedbackLoop.ID
    public let accountID: Account.ID
    public let events: Set<EventType>
    public let format: PayloadFormat
    public let status: LoopStatus
    public let disabled: Bool

    public init(
        loopID: FeedbackLoop.ID, accountID: Account.ID, events: Set<EventType>, format: PayloadFormat,
        status: LoopStatus, disabled: Bool
    ) {
        self.loopID = loopID
        self.accountID = accountID
        self.events = events
        self.format = format
        self.status = status
        self.disabled = disabled
    }

    public init(_ loop: FeedbackLoop) {
        self.init(
            loopID: loop.id, accountID: loop.accountID, events: loop.events, format: loop.format, status: loop.status,
            disabled: loop.disabled != nil)
    }

    /// Validated and not disabled: nothing is queued for any other loop.
    public var isDeliverable: Bool { status == .validated && !disabled }
}
