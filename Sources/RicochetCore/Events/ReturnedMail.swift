import Foundation
import OrderedCollections

/// Mail that came back on a message's return path: every such mail is a
/// `bounce` event, and an abuse report also an `abuse` event.
public struct ReturnedMail: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case bounce
        case abuse
    }

    public let kind: Kind
    public let message: MessageID
    /// The envelope sender (empty for the null sender `<>`).
    public let mailFrom: String
    /// The envelope recipients (the return path).
    public let rcptTo: [String]
    /// For abuse: who complained, when the report says.
    public let complainant: String?
    /// The whole mail as received.
    public let mime: String
    public let at: Date

    public init(
        kind: Kind, message: MessageID, mailFrom: String, rcptTo: [String], complainant: String? = nil, mime: String,
        at: Date
    ) {
        self.kind = kind
        self.message = message
        self.mailFrom = mailFrom
        self.rcptTo = rcptTo
        self.complainant = complainant
        self.mime = mime
        self.at = at
    }
}

extension Event {
    /// The bounce or abuse event of mail returned for `message`, with the
    /// variables of the source documents (bounce: mailfrom, rcptto,
    /// envelope, mime; abuse: emailfrom, mime).
    public static func returned(
        _ mail: ReturnedMail, of message: Message, profile: Profile? = nil, subprofile: Subprofile? = nil
    ) -> Event {
        let eventID = newID()
        var variables: OrderedDictionary<String, PayloadValue> = [
            "id": .string(message.id.description),
            "type": .string(mail.kind.rawValue),
            "timestamp": .string(EventTimestamp.timestamp(mail.at)),
            "time": .integer(EventTimestamp.time(mail.at)),
            "recipient": .string(message.recipient),
        ]
        switch mail.kind {
        case .bounce:
            variables["mailfrom"] = .string(mail.mailFrom)
            variables["rcptto"] = .string(mail.rcptTo.joined(separator: ", "))
            variables["envelope"] = .object([
                "mailfrom": .string(mail.mailFrom), "rcptto": .list(mail.rcptTo.map(PayloadValue.string)),
            ])
        case .abuse:
            variables["emailfrom"] = .string(mail.complainant ?? "")
        }
        variables["mime"] = .string(mail.mime)
        variables["tags"] = .list(message.tags.map(PayloadValue.string))
        if let profile { variables["profile"] = profile.summary }
        if let subprofile { variables["subprofile"] = subprofile.summary }
        variables["event"] = .string(eventID)
        return Event(
            id: eventID, accountID: message.accountID, type: mail.kind == .bounce ? .bounce : .abuse,
            message: message.id, occurredAt: mail.at, machineReason: nil, variables: .object(variables))
    }
}
