import Foundation
import OrderedCollections

/// A recipient asked to hear no more: through the one-click URL of the
/// message's `List-Unsubscribe` field (RFC 8058), through the page it shows
/// a browser, or by mail to the field's `mailto:` address.
public struct Unsubscription: Sendable, Equatable {
    public enum Method: String, Sendable {
        /// A mail client's POST of `List-Unsubscribe=One-Click` (RFC 8058).
        case oneClick = "one-click"
        /// The recipient confirmed on the page the URL shows a browser.
        case page
        /// A mail to the `mailto:` address.
        case mail
    }

    public let message: MessageID
    public let method: Method
    /// The client's address and user agent for the URL; the sending
    /// server's address and the envelope sender for mail.
    public let ip: String
    public let userAgent: String
    public let at: Date

    public init(message: MessageID, method: Method, ip: String, userAgent: String, at: Date) {
        self.message = message
        self.method = method
        self.ip = ip
        self.userAgent = userAgent
        self.at = at
    }
}

extension Event {
    /// The `unsubscribe` event: `id`, `type`, `timestamp`, `time`,
    /// `recipient`, `method` (one-click, page or mail), `ip`, `useragent`,
    /// `tags`, the profile and subprofile, `event`.
    public static func unsubscribe(
        _ unsubscription: Unsubscription, of message: Message, profile: Profile? = nil, subprofile: Subprofile? = nil
    ) -> Event {
        let eventID = newID()
        var variables: OrderedDictionary<String, PayloadValue> = [
            "id": .string(message.id.description),
            "type": .string(EventType.unsubscribe.rawValue),
            "timestamp": .string(EventTimestamp.timestamp(unsubscription.at)),
            "time": .integer(EventTimestamp.time(unsubscription.at)),
            "recipient": .string(message.recipient),
            "method": .string(unsubscription.method.rawValue),
            "ip": .string(unsubscription.ip),
            "useragent": .string(unsubscription.userAgent),
            "tags": .list(message.tags.map(PayloadValue.string)),
        ]
        if let profile { variables["profile"] = profile.summary }
        if let subprofile { variables["subprofile"] = subprofile.summary }
        variables["event"] = .string(eventID)
        return Event(
            id: eventID, accountID: message.accountID, type: .unsubscribe, message: message.id,
            occurredAt: unsubscription.at, machineReason: nil, variables: .object(variables))
    }
}
