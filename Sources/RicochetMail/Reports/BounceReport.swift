/// What a mail that came back says: its kind, and per recipient what
/// happened and why.
public struct BounceReport: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// An RFC 3464 delivery status notification.
        case dsn
        /// An RFC 5965 abuse (feedback) report.
        case arf
        /// A vacation or out-of-office answer.
        case autoreply
        /// A bounce in one of the non-standard formats MTAs write.
        case bounce
        case notBounce = "not-bounce"
    }

    public struct Recipient: Sendable, Equatable {
        public var address: String
        /// failed, delayed, delivered, relayed or expanded (RFC 3464).
        public var action: String
        /// The enhanced status code, `x.y.z`, when the mail gives one.
        public var status: String?
        /// The SMTP reply code, when the mail gives one.
        public var code: Int?
        /// The receiving side's words, whitespace collapsed.
        public var diagnostic: String
        public var reason: BounceReason
        /// A permanent failure: sending again will fail again.
        public var hard: Bool
        /// The MTA that answered (Remote-MTA), when known.
        public var remoteMTA: String?

        public init(
            address: String, action: String, status: String?, code: Int?, diagnostic: String, reason: BounceReason,
            hard: Bool, remoteMTA: String? = nil
        ) {
            self.address = address
            self.action = action
            self.status = status
            self.code = code
            self.diagnostic = diagnostic
            self.reason = reason
            self.hard = hard
            self.remoteMTA = remoteMTA
        }
    }

    public var kind: Kind
    public var recipients: [Recipient]
    /// ARF's Feedback-Type (abuse, fraud, virus, …).
    public var feedbackType: String?
    /// The header of the returned original message, when the mail carries it.
    public var original: MessageHeader?

    public init(kind: Kind, recipients: [Recipient], feedbackType: String? = nil, original: MessageHeader? = nil) {
        self.kind = kind
        self.recipients = recipients
        self.feedbackType = feedbackType
        self.original = original
    }

    /// The recipients whose delivery failed for good or gave up (not
    /// delayed, not delivered).
    public var failed: [Recipient] {
        recipients.filter { $0.action == "failed" }
    }
}
