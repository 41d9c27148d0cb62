/// How an account's suppression list grows by itself and what the messages
/// API does with an address on it.
public struct SuppressionSettings: Sendable, Equatable {
    /// What `POST /api/v1/messages` does for a suppressed recipient.
    public enum MessagesMode: String, Sendable, CaseIterable {
        /// Answer 422 `recipient_suppressed` and register nothing.
        case refuse
        /// Register the message and say in the answer that the recipient is suppressed.
        case warn
    }

    /// Soft bounces within ``softBounceDays`` after which an address is suppressed.
    public var softBounceLimit: Int
    public var softBounceDays: Int
    public var messagesMode: MessagesMode

    public init(softBounceLimit: Int = 5, softBounceDays: Int = 15, messagesMode: MessagesMode = .refuse) {
        self.softBounceLimit = softBounceLimit
        self.softBounceDays = softBounceDays
        self.messagesMode = messagesMode
    }

    public static let defaults = SuppressionSettings()
    /// The bounds the API holds settings to.
    public static let softBounceLimits = 1...1000
    public static let softBounceDayRange = 1...365
}
