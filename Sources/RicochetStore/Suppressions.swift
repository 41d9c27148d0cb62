import Foundation
import RicochetCore

/// Each account's suppression list: one entry per address (as
/// ``SuppressedAddress`` keys it), saying why and since when, until an
/// optional expiry.
public protocol SuppressionStore: Sendable {
    /// Adds the entry, or replaces the account's entry for its address
    /// (the newer reason, event, time and expiry win; so does the id, so the
    /// entry sorts as new), and records `event` (its `suppression.create`)
    /// in the same transaction. Throws ``StoreError/notFound`` when there is
    /// no such account.
    func suppress(_ entry: StoredSuppression, event: Event) async throws
    /// The account's entry for `address` in force at `now`: none when there
    /// is none or it expired.
    func suppression(of address: String, account: Account.ID, at now: Date) async throws -> StoredSuppression?
    /// The account's entries in force at `now` for those of `addresses` that have one, by address.
    func suppressions(of addresses: [String], account: Account.ID, at now: Date) async throws
        -> [String: StoredSuppression]
    /// A page of the account's entries, newest first, expired ones too;
    /// `reason` filters, `before` is the id the previous page ended with.
    func suppressions(of account: Account.ID, reason: SuppressionReason?, before: String?, limit: Int)
        async throws -> [StoredSuppression]
    /// Removes the account's entry for `address` and records its
    /// `suppression.delete` event (made at `now`) in the same transaction;
    /// returns the entry, or nil when there was none (and records nothing).
    func deleteSuppression(of address: String, account: Account.ID, now: Date) async throws -> StoredSuppression?
    /// How many soft bounces of `address` the account counted since `since`.
    func softBounces(of address: String, account: Account.ID, since: Date) async throws -> Int
    /// Removes the soft bounces counted before `cutoff`; returns how many.
    func pruneSoftBounces(before cutoff: Date) async throws -> Int
}

extension [SuppressionWrite] {
    /// The `suppression.create` events of the entries among them.
    public var events: [Event] {
        compactMap { if case .suppress(_, let event) = $0 { event } else { nil } }
    }
}

/// What recording events writes to the suppression list in the same
/// transaction (``EventStore/insert(_:suppressions:)``), as
/// ``SuppressionPolicy`` decided.
public enum SuppressionWrite: Sendable, Equatable {
    /// Puts the entry on the list (replacing an expired one) with its
    /// `suppression.create` event; the address's soft bounces are forgotten.
    case suppress(StoredSuppression, event: Event)
    /// Counts one soft bounce of the address, caused by event `cause`.
    case softBounce(account: Account.ID, address: String, at: Date, cause: String)
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

extension StoredRecord {
    /// (id, account, address, reason, event, created, expires): adds or replaces.
    public static let upsertSuppression = """
        INSERT INTO suppressions (id, account_id, address, reason, event_id, created_at, expires_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (account_id, address) DO UPDATE SET id = excluded.id, reason = excluded.reason,
            event_id = excluded.event_id, created_at = excluded.created_at, expires_at = excluded.expires_at
        """
    /// (account, now, address...): the entries in force for up to ``suppressionLookupChunk`` addresses.
    public static func selectSuppressions(count: Int) -> String {
        """
        SELECT \(suppressionColumns) FROM suppressions WHERE account_id = ? AND (expires_at IS NULL OR expires_at > ?)
        AND address IN (\(Array(repeating: "?", count: count).joined(separator: ", ")))
        """
    }
    public static let suppressionLookupChunk = 500

    /// The entries in force at `now` of those of `addresses` that have one,
    /// by address: each is looked up as itself and as the key it is kept
    /// under once erased (``SuppressionStore/suppressions(of:account:at:)``).
    public static func suppressions(
        of addresses: [String], account: Account.ID, at now: Date, erased: ErasedAddress, on reader: some StoreReader
    ) async throws -> [String: StoredSuppression] {
        var owners: [String: String] = [:]
        for address in addresses {
            owners[address] = address
            owners[erased.key(for: address)] = address
        }
        var found: [String: StoredSuppression] = [:]
        for chunk in Array(owners.keys).chunked(suppressionLookupChunk) {
            let binds: [CopiedValue] = [.text(account), .integer(now.milliseconds)] + chunk.map(CopiedValue.text)
            for row in try await reader.rows(selectSuppressions(count: chunk.count), binds) {
                let entry = try suppression(from: row)
                if let owner = owners[entry.address] { found[owner] = entry }
            }
        }
        return found
    }

    /// (account, address): the address's soft bounces are forgotten once it is suppressed.
    public static let forgetSoftBounces = "DELETE FROM soft_bounces WHERE account_id = ? AND address = ?"
    /// (account, address, at, cause).
    public static let insertSoftBounce = """
        INSERT INTO soft_bounces (account_id, address, occurred_at, event_id) VALUES (?, ?, ?, ?)
        """
    /// (account, address, since).
    public static let countSoftBounces = """
        SELECT count(*) AS count FROM soft_bounces WHERE account_id = ? AND address = ? AND occurred_at >= ?
        """
    /// Soft bounces older than any window (before) are removed by the prune job.
    public static let pruneSoftBounces = "DELETE FROM soft_bounces WHERE occurred_at < ?"

    /// The deletion event of `entry`, removed at `now`.
    public static func deletionEvent(of entry: StoredSuppression, at now: Date) -> Event {
        Event.suppression(
            .suppressionDelete, id: entry.id, account: entry.accountID, address: entry.address, reason: entry.reason,
            cause: entry.eventID, createdAt: entry.createdAt, expiresAt: entry.expiresAt, at: now)
    }
}

extension StoredSuppression {
    /// Its `suppression.create` event, made at its creation (a new event id each call).
    public func creationEvent() -> Event {
        Event.suppression(
            .suppressionCreate, id: id, account: accountID, address: address, reason: reason, cause: eventID,
            createdAt: createdAt, expiresAt: expiresAt, at: createdAt)
    }
}
