import Foundation
import RicochetCore

/// Each account's suppression list: one entry per address (as
/// ``SuppressedAddress`` keys it), saying why and since when, until an
/// optional expiry.
public protocol SuppressionStore: Sendable {
    /// Adds the entry, or replaces the account's entry for its address
    /// (the newer reason, event, time and expiry win; so does the id, so the
    /// entry sorts as new). Throws ``StoreError/notFound`` when there is no
    /// such account.
    func suppress(_ entry: StoredSuppression) async throws
    /// The account's entry for `address` in force at `now`: none when there
    /// is none or it expired.
    func suppression(of address: String, account: Account.ID, at now: Date) async throws -> StoredSuppression?
    /// A page of the account's entries, newest first, expired ones too;
    /// `reason` filters, `before` is the id the previous page ended with.
    func suppressions(of account: Account.ID, reason: SuppressionReason?, before: String?, limit: Int)
        async throws -> [StoredSuppression]
    /// Removes the account's entry for `address`; returns it, or nil when there was none.
    func deleteSuppression(of address: String, account: Account.ID) async throws -> StoredSuppression?
}

public struct StoredSuppression: Sendable, Equatable {
    /// `sup_` and a time-ordered id: pages sort by it.
    public let id: String
    public let accountID: Account.ID
    /// Normalised (``SuppressedAddress/normalised(_:)``).
    public let address: String
    public let reason: SuppressionReason
    /// The event that caused it (a bounce, complaint or unsubscribe), if one did.
    public let eventID: String?
    public let createdAt: Date
    public let expiresAt: Date?

    public init(
        id: String, accountID: Account.ID, address: String, reason: SuppressionReason, eventID: String?,
        createdAt: Date, expiresAt: Date?
    ) {
        self.id = id
        self.accountID = accountID
        self.address = address
        self.reason = reason
        self.eventID = eventID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// A new entry of `account`, made at `now` (to the millisecond, as stored).
    public init(
        address: String, account: Account.ID, reason: SuppressionReason, eventID: String?, now: Date,
        expiresAt: Date? = nil
    ) {
        let now = Date(milliseconds: now.milliseconds)
        self.init(
            id: TimeOrderedID.make("sup_", at: now), accountID: account, address: address, reason: reason,
            eventID: eventID, createdAt: now, expiresAt: expiresAt.map { Date(milliseconds: $0.milliseconds) })
    }
}

extension StoredRecord {
    /// The columns every backend reads a suppression with.
    public static let suppressionColumns = "id, account_id, address, reason, event_id, created_at, expires_at"

    public static func suppression(from row: some StoreRow) throws -> StoredSuppression {
        let id = try row.text("id")
        guard let reason = SuppressionReason(rawValue: try row.text("reason")) else {
            throw StoreError.corrupt("suppression \(id): reason")
        }
        return StoredSuppression(
            id: id, accountID: try row.text("account_id"), address: try row.text("address"), reason: reason,
            eventID: row.optionalText("event_id"), createdAt: Date(milliseconds: try row.int64("created_at")),
            expiresAt: row.optionalInt64("expires_at").map(Date.init(milliseconds:)))
    }
}
