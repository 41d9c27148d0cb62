import Foundation
import RicochetCore

/// Each account's own settings (``AccountSettings``), and the pruning of
/// events past an account's retention.
public protocol AccountSettingsStore: Sendable {
    /// The defaults until changed. Throws ``StoreError/notFound`` when there is no such account.
    func settings(of account: Account.ID) async throws -> AccountSettings
    /// Throws ``StoreError/notFound`` when there is no such account.
    func setSettings(_ settings: AccountSettings, of account: Account.ID) async throws
    /// Accounts that keep their events a limited time, with their days.
    func eventRetentions() async throws -> [(account: Account.ID, days: Int)]
    /// Removes the account's events that happened before `cutoff`, with their
    /// deliveries and attempts; returns how many events.
    func pruneEvents(of account: Account.ID, before cutoff: Date) async throws -> Int
}

extension StoredRecord {
    /// (account).
    public static let selectSettings = """
        SELECT soft_bounce_limit, soft_bounce_days, messages_suppression, event_retention_days FROM accounts WHERE id = ?
        """
    /// (limit, days, mode, retention, account).
    public static let updateSettings = """
        UPDATE accounts SET soft_bounce_limit = ?, soft_bounce_days = ?, messages_suppression = ?,
            event_retention_days = ?
        WHERE id = ? RETURNING id
        """
    public static let selectEventRetentions = """
        SELECT id, event_retention_days FROM accounts WHERE event_retention_days IS NOT NULL ORDER BY id
        """
    /// (account, cutoff): one chunk of old events.
    public static let pruneEvents = """
        DELETE FROM events WHERE seq IN (
            SELECT seq FROM events WHERE account_id = ? AND occurred_at < ? LIMIT \(pruneChunk))
        RETURNING seq
        """
    public static let pruneChunk = 5000

    public static func settings(from row: some StoreRow) throws -> AccountSettings {
        guard let mode = SuppressionSettings.MessagesMode(rawValue: try row.text("messages_suppression")) else {
            throw StoreError.corrupt("account: messages_suppression")
        }
        return AccountSettings(
            suppression: SuppressionSettings(
                softBounceLimit: Int(try row.int64("soft_bounce_limit")),
                softBounceDays: Int(try row.int64("soft_bounce_days")), messagesMode: mode),
            eventRetentionDays: row.optionalInt64("event_retention_days").map { Int($0) })
    }
}
