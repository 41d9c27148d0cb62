/// What an event says about its recipient's address, for the suppression
/// list: nothing, or one of these.
public enum SuppressionSignal: Sendable, Equatable {
    /// A permanent failure: the address does not exist or refuses the sender.
    case hardBounce
    /// A failure that may pass: a full mailbox, a block of the content, a
    /// server that was down; counted, and suppressed past the account's limit.
    case softBounce
    /// An abuse complaint (an ARF feedback report).
    case complaint
    /// The recipient unsubscribed.
    case unsubscribe
}
