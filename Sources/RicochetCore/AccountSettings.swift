/// What an account sets for itself: how its suppression list grows and is
/// heeded, and how long its events are kept.
public struct AccountSettings: Sendable, Equatable {
    public var suppression: SuppressionSettings
    /// Days events are kept, then removed with their deliveries (and so
    /// from the statistics); nil keeps them.
    public var eventRetentionDays: Int?

    public init(suppression: SuppressionSettings = .defaults, eventRetentionDays: Int? = nil) {
        self.suppression = suppression
        self.eventRetentionDays = eventRetentionDays
    }

    public static let defaults = AccountSettings()
    /// The bounds the API holds the retention to.
    public static let eventRetentionRange = 1...3650
}
