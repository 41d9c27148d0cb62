import Foundation
import RicochetCore

/// Where a delivery stands.
public enum DeliveryStatus: String, Sendable, CaseIterable {
    /// Waiting for its due time (first attempt or a retry).
    case queued
    /// Claimed by a dispatcher under a lease, request under way.
    case sending
    case succeeded
    /// Every attempt of the schedule failed; `retry` queues it again.
    case failed
}

/// A claim on deliveries: which node process holds them and until when.
/// Renewed while their requests run; a result is written only by the holder
/// of the lease it was claimed under, and a lease that expired is taken back
/// by whichever node rescues it first.
public struct DeliveryLease: Sendable, Equatable {
    /// New for each claim.
    public let id: String
    /// The node process (``NodeIdentity/instance``), so a node renews its own.
    public let holder: String
    public let expiresAt: Date

    public init(id: String = "lse_" + RandomToken.base32(length: 16), holder: String, expiresAt: Date) {
        self.id = id
        self.holder = holder
        self.expiresAt = expiresAt
    }
}

/// A delivery as a dispatcher claims it: what to send, once more.
public struct ClaimedDelivery: Sendable {
    public let seq: Int64
    public let id: String
    /// The lease it was claimed under; its result is written only under it.
    public let lease: String
    public let loopID: FeedbackLoop.ID
    public let webhookID: String
    public let format: PayloadFormat
    /// Attempts made before this one.
    public let attempts: Int
    /// The bytes fixed by the first attempt; nil before it.
    public let body: [UInt8]?
    /// The event's variables as stored (JSON), for a first attempt to render
    /// the body from.
    public let variablesJSON: String?
    /// When it was queued, with its event.
    public let createdAt: Date

    public init(
        seq: Int64, id: String, lease: String, loopID: FeedbackLoop.ID, webhookID: String, format: PayloadFormat,
        attempts: Int, body: [UInt8]?, variablesJSON: String?, createdAt: Date
    ) {
        self.createdAt = createdAt
        self.seq = seq
        self.id = id
        self.lease = lease
        self.loopID = loopID
        self.webhookID = webhookID
        self.format = format
        self.attempts = attempts
        self.body = body
        self.variablesJSON = variablesJSON
    }
}

extension ClaimedDelivery {
    /// What to send: the bytes of the first attempt, or for a first attempt
    /// the event's variables in the loop's format — the stored JSON as it is
    /// for a JSON loop. Nil when the stored variables cannot be read.
    public func payload() -> [UInt8]? {
        if let body { return body }
        guard let variablesJSON else { return nil }
        switch format {
        case .json: return Array(variablesJSON.utf8)
        case .form:
            guard let variables = try? JSONPayloadDecoder.decode(variablesJSON) else { return nil }
            return Array(FormPayloadEncoder.encode(variables).utf8)
        }
    }
}

/// One request made for a delivery and what came of it.
///
/// A batch's request is one attempt of each of its deliveries: the fields
/// live in one shared, immutable box, so handing the attempt from result to
/// result costs one reference, not a copy of every list and string.
public struct DeliveryAttempt: Sendable, Equatable {
    private final class Fields: Sendable {
        let startedAt: Date
        let durationMilliseconds: Int
        let status: Int?
        let errorClass: String?
        let error: String?
        let responseHeaders: [HeaderField]
        let responseBody: [UInt8]
        let requestHeaders: [HeaderField]
        let responseHeadersColumn: String
        let requestHeadersColumn: String

        init(
            startedAt: Date, durationMilliseconds: Int, status: Int?, errorClass: String?, error: String?,
            responseHeaders: [HeaderField], responseBody: [UInt8], requestHeaders: [HeaderField]
        ) {
            self.startedAt = startedAt
            self.durationMilliseconds = durationMilliseconds
            self.status = status
            self.errorClass = errorClass
            self.error = error
            self.responseHeaders = responseHeaders
            self.responseBody = responseBody
            self.requestHeaders = requestHeaders
            responseHeadersColumn = StoredRecord.headersColumn(responseHeaders)
            requestHeadersColumn = StoredRecord.headersColumn(requestHeaders)
        }
    }

    private let fields: Fields

    public var startedAt: Date { fields.startedAt }
    public var durationMilliseconds: Int { fields.durationMilliseconds }
    /// The HTTP status, when an answer came.
    public var status: Int? { fields.status }
    /// timeout, dns, connect, tls, refused_address, http (the answer was not a success).
    public var errorClass: String? { fields.errorClass }
    public var error: String? { fields.error }
    public var responseHeaders: [HeaderField] { fields.responseHeaders }
    /// The first 16 KiB of the answer.
    public var responseBody: [UInt8] { fields.responseBody }
    /// The request's header fields as sent (signatures included); empty for
    /// attempts recorded before they were kept.
    public var requestHeaders: [HeaderField] { fields.requestHeaders }
    /// Both header lists as stored (``StoredRecord/headersColumn(_:)``):
    /// encoded once a request, however many deliveries it carried.
    public var responseHeadersColumn: String { fields.responseHeadersColumn }
    public var requestHeadersColumn: String { fields.requestHeadersColumn }

    public struct HeaderField: Sendable, Equatable {
        public let name: String
        public let value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public static let maximumBodyBytes = 16 * 1024

    public init(
        startedAt: Date, durationMilliseconds: Int, status: Int?, errorClass: String?, error: String?,
        responseHeaders: [HeaderField], responseBody: [UInt8], requestHeaders: [HeaderField] = []
    ) {
        fields = Fields(
            startedAt: startedAt, durationMilliseconds: durationMilliseconds, status: status, errorClass: errorClass,
            error: error, responseHeaders: responseHeaders, responseBody: responseBody, requestHeaders: requestHeaders)
    }

    public static func == (left: DeliveryAttempt, right: DeliveryAttempt) -> Bool {
        left.fields === right.fields
            || (left.startedAt == right.startedAt && left.durationMilliseconds == right.durationMilliseconds
                && left.status == right.status && left.errorClass == right.errorClass && left.error == right.error
                && left.responseHeaders == right.responseHeaders && left.responseBody == right.responseBody
                && left.requestHeaders == right.requestHeaders)
    }
}

/// What a dispatcher learnt from one attempt, to be written down.
public struct DeliveryResult: Sendable {
    public enum Next: Sendable, Equatable {
        case succeeded
        case retry(at: Date)
        /// The schedule is used up.
        case failed
    }

    public let delivery: ClaimedDelivery
    /// The body sent, stored when this was the first attempt.
    public let body: [UInt8]
    public let attempt: DeliveryAttempt
    public let next: Next
    /// Set when the loop must stop (410 Gone, or failing for too long).
    public let disableLoop: String?

    /// What the store keeps of the body: nil when it can make it again. A
    /// JSON body is its event's variables verbatim, and a body kept by an
    /// earlier attempt stays as it is; only a form body is kept (once). Each
    /// store's `deliveryColumns` reads a missing JSON body back from the event.
    public var storedBody: [UInt8]? {
        delivery.body != nil || delivery.format == .json ? nil : body
    }

    public init(delivery: ClaimedDelivery, body: [UInt8], attempt: DeliveryAttempt, next: Next, disableLoop: String?) {
        self.delivery = delivery
        self.body = body
        self.attempt = attempt
        self.next = next
        self.disableLoop = disableLoop
    }
}

/// A delivery as the API shows it.
public struct DeliveryRecord: Sendable {
    public let seq: Int64
    public let id: String
    public let loopID: FeedbackLoop.ID
    public let eventID: String
    public let eventType: EventType
    public let webhookID: String
    public let format: PayloadFormat
    public let status: DeliveryStatus
    public let attempts: Int
    /// When the next attempt is due, while queued.
    public let dueAt: Date?
    public let body: [UInt8]?
    public let createdAt: Date
    public let updatedAt: Date
    public let lastStatus: Int?
    public let lastError: String?
    /// How long the last attempt took, once there was one.
    public let lastDurationMilliseconds: Int?

    public init(
        seq: Int64, id: String, loopID: FeedbackLoop.ID, eventID: String, eventType: EventType, webhookID: String,
        format: PayloadFormat, status: DeliveryStatus, attempts: Int, dueAt: Date?, body: [UInt8]?, createdAt: Date,
        updatedAt: Date, lastStatus: Int?, lastError: String?, lastDurationMilliseconds: Int? = nil
    ) {
        self.seq = seq
        self.id = id
        self.loopID = loopID
        self.eventID = eventID
        self.eventType = eventType
        self.webhookID = webhookID
        self.format = format
        self.status = status
        self.attempts = attempts
        self.dueAt = dueAt
        self.body = body
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.lastDurationMilliseconds = lastDurationMilliseconds
    }
}

/// The outbox and its attempt log.
public protocol DeliveryStore: Sendable {
    /// Calls `observer` after every commit that recorded events (and so may
    /// have queued deliveries).
    func onEventsCommitted(_ observer: @escaping @Sendable () -> Void)
    /// Loops that deliveries may go to: validated and not disabled, of every account.
    func deliverableLoops() async throws -> [FeedbackLoop]
    /// When the earliest queued delivery of `loop` is due.
    func nextDue(loop: FeedbackLoop.ID) async throws -> Date?
    /// How many of `loop`'s deliveries are due at `now` (counting up to
    /// `limit`), and since when the oldest of them has been due.
    func due(loop: FeedbackLoop.ID, now: Date, limit: Int) async throws -> (count: Int, oldest: Date?)
    /// Moves up to `limit` due deliveries of `loop` to `sending` under
    /// `lease`, oldest due first.
    func claimDue(loop: FeedbackLoop.ID, now: Date, limit: Int, lease: DeliveryLease) async throws
        -> [ClaimedDelivery]
    /// Extends every lease `holder` still holds to `until`; returns how many
    /// deliveries they cover. Leases taken back by a rescuer stay taken.
    @discardableResult
    func renewLeases(holder: String, until: Date) async throws -> Int
    /// Queues again, as they were, the deliveries whose lease expired before
    /// `now` (their holder stopped or lost touch): at-least-once, so a
    /// receiver may see one twice, with the same `webhook-id`. Returns how many.
    func rescueExpiredLeases(now: Date) async throws -> Int
    /// Puts claimed deliveries that were not sent back in the queue, as they
    /// were — those still under the lease they were claimed with.
    func release(_ deliveries: [ClaimedDelivery], now: Date) async throws
    /// Writes the attempts and what follows from them, in one transaction.
    /// A result changes its delivery (and its loop) only while the delivery
    /// is still `sending` under the lease it was claimed with; the attempt is
    /// logged either way, since it was made. Returns how many results came
    /// too late: their lease had expired and the delivery was taken back.
    @discardableResult
    func record(_ results: [DeliveryResult], now: Date) async throws -> Int
    /// A loop's deliveries, newest first, after the cursor.
    func deliveries(
        of loop: FeedbackLoop.ID, account: Account.ID, status: DeliveryStatus?, before: Int64?, limit: Int
    ) async throws -> [DeliveryRecord]
    func delivery(_ id: String, account: Account.ID) async throws -> (DeliveryRecord, [DeliveryAttempt])?
    /// Queues a delivery that is not under way to go out at `now`; false when
    /// there is none such (absent, another account's, or being sent).
    func retry(_ id: String, account: Account.ID, now: Date) async throws -> Bool
    /// Attempts since `since` and deliveries waiting now, per loop.
    func activity(of loops: [FeedbackLoop.ID], since: Date) async throws -> [FeedbackLoop.ID: LoopActivity]
    /// Queues again the loop's failed deliveries made since `since`; returns how many.
    func recover(loop: FeedbackLoop.ID, account: Account.ID, since: Date, now: Date) async throws -> Int
    /// Queues a new delivery to the loop for each of its account's events of
    /// the window that the loop asks for, each with the event's own
    /// webhook-id; returns how many.
    func replay(loop: FeedbackLoop.ID, account: Account.ID, since: Date, until: Date, now: Date) async throws -> Int
    /// Removes attempts, and finished deliveries with their bodies, older than `cutoff`.
    func prune(before cutoff: Date) async throws -> Int
}

/// How a loop has been doing lately, for the list of loops.
public struct LoopActivity: Sendable, Equatable {
    /// Attempts started since the time asked for, and how many got a 2xx.
    public var attempts = 0
    public var succeeded = 0
    /// Deliveries waiting now (queued or being sent).
    public var waiting = 0

    public init(attempts: Int = 0, succeeded: Int = 0, waiting: Int = 0) {
        self.attempts = attempts
        self.succeeded = succeeded
        self.waiting = waiting
    }
}
