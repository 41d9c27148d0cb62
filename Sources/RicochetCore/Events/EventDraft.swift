/// Something that happened, before it is enriched and recorded: the input of
/// the one recording step.
public enum EventDraft: Sendable {
    case tracking(TrackingHit)
    case report(MTAReport)
    case returned(ReturnedMail)
    case unsubscribe(Unsubscription)

    /// The message the event is about; its account owns the event.
    public var message: MessageID {
        switch self {
        case .tracking(let hit): hit.message
        case .report(let report): report.message
        case .returned(let mail): mail.message
        case .unsubscribe(let unsubscription): unsubscription.message
        }
    }

    /// The enriched event, given the message it is about and its recipient's
    /// profile and subprofile.
    public func event(of message: Message, profile: Profile?, subprofile: Subprofile?) -> Event {
        switch self {
        case .tracking(let hit): .tracking(hit, of: message, profile: profile, subprofile: subprofile)
        case .report(let report): .report(report, of: message, profile: profile, subprofile: subprofile)
        case .returned(let mail): .returned(mail, of: message, profile: profile, subprofile: subprofile)
        case .unsubscribe(let unsubscription):
            .unsubscribe(unsubscription, of: message, profile: profile, subprofile: subprofile)
        }
    }
}
