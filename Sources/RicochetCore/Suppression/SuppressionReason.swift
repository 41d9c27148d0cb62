/// Why an address is on an account's suppression list.
public enum SuppressionReason: String, CaseIterable, Sendable, Codable {
    /// A permanent failure that says the address does not exist or refuses
    /// the sender (not a full mailbox, not a block of the content).
    case hardBounce = "hard_bounce"
    /// An abuse complaint (an ARF feedback report).
    case complaint
    /// The recipient unsubscribed.
    case unsubscribe
    /// Added by the account, by hand or by import.
    case manual
}
