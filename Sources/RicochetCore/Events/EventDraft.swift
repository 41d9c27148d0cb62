/// Something that happened, before it is enriched and recorded: the input of
/// the one recording step.
public enum EventDraft: Sendable {
    case tracking(TrackingHit)
    case report(MTAReport)

    /// The message the event is about; its account owns the event.
    public var message: MessageID {
        switch self {
        case .tracking(let hit): hit.message
        case .report(let report): report.message
        }
    }

    /// The enriched event, given the message it is about and its recipient's profile.
    public func event(of message: Message, profile: Profile?) -> Event {
        switch self {
        case .tracking(let hit): .tracking(hit, of: message, profile: profile)
        case .report(let report): .report(report, of: message, profile: profile)
        }
    }
}
