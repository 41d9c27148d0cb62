import Foundation

/// A registered receiver: an account's URL, the events it wants, and how to send them.
public struct FeedbackLoop: Sendable, Equatable {
    public typealias ID = String

    public static let maximumDescriptionLength = 1000

    public let id: ID
    public let accountID: Account.ID
    public private(set) var url: LoopURL
    public var events: Set<EventType>
    public var format: PayloadFormat
    public var description: String
    public private(set) var status: LoopStatus
    public private(set) var validationFile: ValidationFile
    public private(set) var validatedAt: Date?
    public let createdAt: Date
    public var updatedAt: Date
    /// Bumped by every stored change; an update only lands on the revision it was based on.
    public var revision: Int
    public var delivery: DeliverySettings
    /// Set when deliveries stopped: by the receiver (410 Gone), by failing for
    /// too long, or by the user. Nothing is queued for a disabled loop.
    public var disabled: Disabled?
    public var lastSuccessAt: Date?
    /// When the current run of failures began; nil after a success.
    public var failingSince: Date?
    /// The raw Ed25519 private key of the `v1a` signatures
    /// (``SigningScheme/standardWebhooksEd25519``); nil when off.
    public var ed25519Key: [UInt8]?
    /// How its requests are signed: every scheme of the set, on every request.
    public var signing: Set<SigningScheme>

    public struct Disabled: Sendable, Equatable {
        public let at: Date
        public let reason: String

        public init(at: Date, reason: String) {
            self.at = at
            self.reason = reason
        }
    }

    public init(
        id: ID,
        accountID: Account.ID,
        url: LoopURL,
        events: Set<EventType>,
        format: PayloadFormat,
        description: String,
        status: LoopStatus,
        validationFile: ValidationFile,
        validatedAt: Date?,
        createdAt: Date,
        updatedAt: Date,
        revision: Int,
        delivery: DeliverySettings = DeliverySettings(),
        disabled: Disabled? = nil,
        lastSuccessAt: Date? = nil,
        failingSince: Date? = nil,
        ed25519Key: [UInt8]? = nil,
        signing: Set<SigningScheme> = SigningScheme.newLoopDefault
    ) {
        self.signing = signing
        self.id = id
        self.accountID = accountID
        self.url = url
        self.events = events
        self.format = format
        self.description = description
        self.status = status
        self.validationFile = validationFile
        self.validatedAt = validatedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.revision = revision
        self.delivery = delivery
        self.disabled = disabled
        self.lastSuccessAt = lastSuccessAt
        self.failingSince = failingSince
        self.ed25519Key = ed25519Key
    }

    /// A new, unvalidated loop with a fresh validation file.
    public static func register(
        accountID: Account.ID,
        url: LoopURL,
        events: Set<EventType>,
        format: PayloadFormat,
        description: String,
        delivery: DeliverySettings = DeliverySettings(),
        now: Date
    ) -> FeedbackLoop {
        FeedbackLoop(
            id: "loop_" + RandomToken.base32(length: 16),
            accountID: accountID,
            url: url,
            events: events,
            format: format,
            description: description,
            status: .unvalidated,
            validationFile: .generate(),
            validatedAt: nil,
            createdAt: now,
            updatedAt: now,
            revision: 1,
            delivery: delivery
        )
    }

    /// Points the loop at another URL. Ownership of the new URL is unproven, so
    /// the loop needs validating again, with a new file.
    public mutating func change(url newURL: LoopURL) {
        guard newURL != url else { return }
        url = newURL
        status = .unvalidated
        validatedAt = nil
        validationFile = .generate()
    }

    public mutating func markValidated(at date: Date) {
        status = .validated
        validatedAt = date
    }

    /// Where the validation file is looked for, in order.
    public var validationURLs: [String] {
        validationFile.candidateURLs(for: url)
    }
}
