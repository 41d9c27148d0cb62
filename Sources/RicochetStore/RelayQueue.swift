import Foundation
import RicochetCore

/// Mail applications hand to the relay: each submission is kept as it came,
/// and each of its recipients gets a copy to send, made from it at send
/// time. A copy is claimed under a lease, as deliveries are, so that one
/// node sends it and a dead node's copies go back to the queue.
public protocol RelayQueueStore: Sendable {
    /// Each submission, the message registered for each of its recipients
    /// and their copies, all in one transaction: when this returns, all are
    /// durable; when it throws, none is stored.
    func accept(_ submissions: [RelayAcceptance]) async throws
    /// Up to `limit` queued copies due at `now`, oldest first, now held
    /// under `lease`, with what is needed to make them.
    func claimRelayCopies(now: Date, limit: Int, lease: DeliveryLease) async throws -> [ClaimedRelayCopy]
    /// Writes each outcome if its lease still holds; returns how many did not.
    func recordRelayResults(_ results: [RelayResult], now: Date) async throws -> Int
    /// Extends the leases (by id) of copies still being sent to `until`.
    func renewRelayLeases(_ leases: [String], until: Date, now: Date) async throws
    /// Copies being sent under a lease that expired go back to the queue.
    func rescueExpiredRelayLeases(now: Date) async throws -> Int
    /// The copies of one registered message (one, for a relayed message).
    func relayCopies(of message: MessageID, account: Account.ID) async throws -> [RelayCopy]
    /// The account's copies in `state` (every one when nil), newest first,
    /// from the one after the copy `after` on: a page of the queue.
    func relayCopies(of account: Account.ID, state: RelayCopyState?, after: String?, limit: Int) async throws
        -> [RelayCopy]
    /// How many copies of the account are in each state (none absent).
    func relayCopyCounts(of account: Account.ID) async throws -> [RelayCopyState: Int]
    /// A queued copy of the account becomes due at `now`; false when the
    /// account has no such copy waiting.
    func retryRelayCopy(_ id: String, of account: Account.ID, now: Date) async throws -> Bool
    /// A queued copy of the account fails unsent with `reply`; the copy as
    /// it was before, or nil when the account has no such copy waiting.
    func dropRelayCopy(_ id: String, of account: Account.ID, reply: RelayReply, now: Date) async throws -> RelayCopy?
    /// Removes the submissions whose copies all ended before `cutoff`, with
    /// their copies; returns how many submissions.
    func pruneRelay(finishedBefore cutoff: Date) async throws -> Int
}

extension RelayQueueStore {
    /// One submission with its messages and copies, in one transaction.
    public func accept(_ submission: RelaySubmission, messages: [Message], copies: [RelayCopy]) async throws {
        try await accept([RelayAcceptance(submission: submission, messages: messages, copies: copies)])
    }
}

/// What accepting one submission stores.
public struct RelayAcceptance: Sendable {
    public let submission: RelaySubmission
    public let messages: [Message]
    public let copies: [RelayCopy]

    public init(submission: RelaySubmission, messages: [Message], copies: [RelayCopy]) {
        self.submission = submission
        self.messages = messages
        self.copies = copies
    }
}

/// A message as an application submitted it.
public struct RelaySubmission: Sendable, Equatable {
    public let id: String
    public let accountID: Account.ID
    /// The application's envelope sender.
    public let mailFrom: String
    public let receivedAt: Date
    /// The message as received (CRLF lines, dot-unstuffed).
    public let data: [UInt8]

    public init(id: String = newID(), accountID: Account.ID, mailFrom: String, receivedAt: Date, data: [UInt8]) {
        self.id = id
        self.accountID = accountID
        self.mailFrom = mailFrom
        self.receivedAt = Date(milliseconds: receivedAt.milliseconds)
        self.data = data
    }

    public static func newID() -> String { "sub_" + RandomToken.base32(length: 20) }
}

public enum RelayCopyStatus: String, Sendable {
    /// Waiting for its first try, or for the next after a deferral.
    case queued
    case sending
    case sent
    case failed
}

/// What the smarthost (or the relay itself) answered.
public struct RelayReply: Sendable, Equatable {
    public let code: Int
    public let enhanced: String?
    public let text: String

    public init(code: Int, enhanced: String?, text: String) {
        self.code = code
        self.enhanced = enhanced
        self.text = text
    }
}

/// One recipient's copy of a submission.
public struct RelayCopy: Sendable, Equatable {
    public let id: String
    public let submissionID: String
    public let accountID: Account.ID
    public let messageID: MessageID
    public let recipient: String
    public var status: RelayCopyStatus
    public var attempts: Int
    /// When it is next tried, while queued.
    public var dueAt: Date
    /// After this, a copy still deferred fails.
    public let expiresAt: Date
    public var lastReply: RelayReply?
    public var updatedAt: Date

    public init(
        id: String = newID(), submissionID: String, accountID: Account.ID, messageID: MessageID, recipient: String,
        status: RelayCopyStatus = .queued, attempts: Int = 0, dueAt: Date, expiresAt: Date,
        lastReply: RelayReply? = nil, updatedAt: Date
    ) {
        self.id = id
        self.submissionID = submissionID
        self.accountID = accountID
        self.messageID = messageID
        self.recipient = recipient
        self.status = status
        self.attempts = attempts
        self.dueAt = Date(milliseconds: dueAt.milliseconds)
        self.expiresAt = Date(milliseconds: expiresAt.milliseconds)
        self.lastReply = lastReply
        self.updatedAt = Date(milliseconds: updatedAt.milliseconds)
    }

    public static func newID() -> String { "cpy_" + RandomToken.base32(length: 20) }
}

/// A copy held under a lease, with its submission's sender and bytes.
public struct ClaimedRelayCopy: Sendable, Equatable {
    public let copy: RelayCopy
    public let lease: String
    public let mailFrom: String
    /// When the application submitted it (the `Date` a copy gets when the
    /// application gave none).
    public let receivedAt: Date
    public let data: [UInt8]

    public init(copy: RelayCopy, lease: String, mailFrom: String, receivedAt: Date, data: [UInt8]) {
        self.copy = copy
        self.lease = lease
        self.mailFrom = mailFrom
        self.receivedAt = receivedAt
        self.data = data
    }
}

/// How one try of a copy ended.
public struct RelayResult: Sendable {
    public enum Next: Sendable, Equatable {
        case sent
        case retry(at: Date)
        case failed
    }

    public let copyID: String
    public let lease: String
    public let reply: RelayReply
    public let next: Next

    public init(copyID: String, lease: String, reply: RelayReply, next: Next) {
        self.copyID = copyID
        self.lease = lease
        self.reply = reply
        self.next = next
    }
}

extension StoredRecord {
    public static let relayCopyColumns = """
        c.id, c.submission_id, c.account_id, c.message_id, c.recipient, c.status, c.attempts, c.due_at,
        c.expires_at, c.last_code, c.last_enhanced, c.last_reply, c.updated_at
        """

    /// The same text on both backends (`?` placeholders): the statement
    /// that queues copies whose lease expired again (now, now).
    public static let rescueRelayLeases = """
        UPDATE relay_copies SET status = 'queued', lease_holder = NULL, lease_id = NULL, lease_expires_at = NULL,
            updated_at = ?
        WHERE status = 'sending' AND lease_expires_at <= ?
        RETURNING id
        """

    /// The statement that extends one lease (until, now, lease id).
    public static let renewRelayLease = """
        UPDATE relay_copies SET lease_expires_at = ?, updated_at = ? WHERE lease_id = ? AND status = 'sending'
        """

    /// A message's copies (message id, account).
    public static let relayCopiesOfMessage = """
        SELECT \(relayCopyColumns) FROM relay_copies c
        WHERE c.message_id = ? AND c.account_id = ? ORDER BY c.created_at, c.id
        """

    /// A copy's ``RelayCopyState`` in SQL.
    static let relayCopyState = "CASE WHEN c.status = 'queued' AND c.attempts > 0 THEN 'deferred' ELSE c.status END"

    /// A page of an account's copies: binds the account, then the state if
    /// `state`, then the cursor's copy id if `after`, then the limit.
    public static func relayCopiesOfAccount(state: Bool, after: Bool) -> String {
        """
        SELECT \(relayCopyColumns) FROM relay_copies c
        WHERE c.account_id = ?\(state ? " AND \(relayCopyState) = ?" : "")\(after
            ? " AND (c.created_at, c.id) < (SELECT created_at, id FROM relay_copies WHERE id = ?)" : "")
        ORDER BY c.created_at DESC, c.id DESC LIMIT ?
        """
    }

    /// Counts of an account's copies by state (account).
    public static let relayCopyCounts = """
        SELECT \(relayCopyState) AS state, COUNT(*) AS count FROM relay_copies c WHERE c.account_id = ?
        GROUP BY 1
        """

    public static func relayCopyCounts(from rows: [some StoreRow]) throws -> [RelayCopyState: Int] {
        var counts: [RelayCopyState: Int] = [:]
        for row in rows {
            guard let state = RelayCopyState(rawValue: try row.text("state")) else {
                throw StoreError.corrupt("relay copy state")
            }
            counts[state] = Int(try row.int64("count"))
        }
        return counts
    }

    /// Makes a waiting copy due (now, now, id, account).
    public static let retryRelayCopy = """
        UPDATE relay_copies SET due_at = ?, updated_at = ? WHERE id = ? AND account_id = ? AND status = 'queued'
        RETURNING id
        """

    /// One copy of an account (id, account).
    public static let relayCopyOfAccount = """
        SELECT \(relayCopyColumns) FROM relay_copies c WHERE c.id = ? AND c.account_id = ?
        """

    /// Fails a waiting copy unsent (code, enhanced, text, now, now, id,
    /// account, the attempts it had when read).
    public static let dropRelayCopy = """
        UPDATE relay_copies SET status = 'failed', last_code = ?, last_enhanced = ?, last_reply = ?, due_at = ?,
            updated_at = ?
        WHERE id = ? AND account_id = ? AND status = 'queued' AND attempts = ?
        RETURNING id
        """

    /// Submissions removed by one statement of ``pruneRelaySubmissions``.
    public static let relayPruneChunk = 5000

    /// Removes up to ``relayPruneChunk`` submissions that every copy of ended
    /// before a cutoff (cutoff, cutoff); their copies go with them (ON DELETE CASCADE).
    public static let pruneRelaySubmissions = """
        DELETE FROM relay_submissions WHERE id IN (
            SELECT s.id FROM relay_submissions s
            WHERE s.received_at < ? AND NOT EXISTS (
                SELECT 1 FROM relay_copies c
                WHERE c.submission_id = s.id AND (c.status IN ('queued', 'sending') OR c.updated_at >= ?))
            LIMIT \(relayPruneChunk))
        RETURNING id
        """

    public static func relayCopy(from row: some StoreRow) throws -> RelayCopy {
        let id = try row.text("id")
        guard let status = RelayCopyStatus(rawValue: try row.text("status")),
            let message = MessageID(try row.text("message_id"))
        else { throw StoreError.corrupt("relay copy \(id)") }
        let reply = row.optionalInt64("last_code").map { code in
            RelayReply(
                code: Int(code), enhanced: row.optionalText("last_enhanced"), text: row.optionalText("last_reply") ?? ""
            )
        }
        return RelayCopy(
            id: id, submissionID: try row.text("submission_id"), accountID: try row.text("account_id"),
            messageID: message, recipient: try row.text("recipient"), status: status,
            attempts: Int(try row.int64("attempts")), dueAt: Date(milliseconds: try row.int64("due_at")),
            expiresAt: Date(milliseconds: try row.int64("expires_at")), lastReply: reply,
            updatedAt: Date(milliseconds: try row.int64("updated_at")))
    }

    /// The status a result leaves, and when the copy is next due.
    public static func relayNext(_ result: RelayResult, now: Date) -> (status: RelayCopyStatus, due: Date) {
        switch result.next {
        case .sent: (.sent, now)
        case .failed: (.failed, now)
        case .retry(let at): (.queued, at)
        }
    }
}

/// How a copy stands, as the API and the dashboard name it: a queued copy
/// that has been tried is deferred.
public enum RelayCopyState: String, Sendable {
    case queued
    case deferred
    case sending
    case sent
    case failed
}

extension RelayCopy {
    public var state: RelayCopyState {
        switch status {
        case .queued: attempts > 0 ? .deferred : .queued
        case .sending: .sending
        case .sent: .sent
        case .failed: .failed
        }
    }
}
