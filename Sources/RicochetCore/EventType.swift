/// A kind of event a feedback loop can subscribe to.
///
/// The raw values are the names used in the API and in payloads; they are part of
/// the public contract and never change.
public enum EventType: String, CaseIterable, Codable, Sendable, Comparable {
    case open
    case click
    case bounce
    case failure
    case delivery
    case abuse
    case unsubscribe
    case profileCreate = "profile.create"
    case profileUpdate = "profile.update"
    case profileDelete = "profile.delete"
    case suppressionCreate = "suppression.create"
    case suppressionDelete = "suppression.delete"

    public static func < (lhs: EventType, rhs: EventType) -> Bool {
        lhs.order < rhs.order
    }

    /// Position in ``allCases``, so lists of events read in the documented order.
    private var order: Int {
        EventType.allCases.firstIndex(of: self)!
    }

    /// The accepted names, for error messages.
    public static var names: String {
        allCases.map(\.rawValue).joined(separator: ", ")
    }
}
