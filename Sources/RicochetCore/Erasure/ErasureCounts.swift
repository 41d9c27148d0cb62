/// What one erasure changed, by kind: rows emptied of the person's data or
/// removed. Events and messages stay (emptied), so the statistics keep
/// their counts.
public struct ErasureCounts: Sendable, Equatable, Codable {
    public var messages = 0
    public var events = 0
    public var deliveries = 0
    public var attempts = 0
    public var returnedMail = 0
    public var relayCopies = 0
    public var relaySubmissions = 0
    public var softBounces = 0
    public var suppressions = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case messages, events, deliveries, attempts, suppressions
        case returnedMail = "returned_mail"
        case relayCopies = "relay_copies"
        case relaySubmissions = "relay_submissions"
        case softBounces = "soft_bounces"
    }

    public static func + (lhs: ErasureCounts, rhs: ErasureCounts) -> ErasureCounts {
        var sum = lhs
        sum.messages += rhs.messages
        sum.events += rhs.events
        sum.deliveries += rhs.deliveries
        sum.attempts += rhs.attempts
        sum.returnedMail += rhs.returnedMail
        sum.relayCopies += rhs.relayCopies
        sum.relaySubmissions += rhs.relaySubmissions
        sum.softBounces += rhs.softBounces
        sum.suppressions += rhs.suppressions
        return sum
    }
}
