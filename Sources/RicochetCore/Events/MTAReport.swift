import Foundation
import OrderedCollections

/// What the sending MTA reported about one message: delivered, or failed.
public struct MTAReport: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case delivery
        case failure
    }

    /// The `state` of the failure a relayed recipient on the suppression
    /// list gets in place of its copy.
    public static let suppressedState = "suppressed"

    public let kind: Kind
    public let message: MessageID
    /// Where in the SMTP dialogue it happened (`connect`, `mail`, `rcpt`,
    /// `data`), or `bounce` for a failure learned later from a bounce.
    public let state: String
    /// What the MTA did (`failed`, `delayed`, …); empty when not said.
    public let action: String
    public let code: Int
    /// The enhanced status code, `x.y.z`; empty when not known.
    public let extended: String
    public let description: String
    public let at: Date
    /// Whether a failure is for good (the address does not exist or refuses
    /// the sender), when whoever reported it decided; nil when it is to be
    /// read from the code, the status and the description.
    public let permanent: Bool?

    public init(
        kind: Kind, message: MessageID, state: String, action: String, code: Int, extended: String,
        description: String, at: Date, permanent: Bool? = nil
    ) {
        self.permanent = permanent
        self.kind = kind
        self.message = message
        self.state = state
        self.action = action
        self.code = code
        self.extended = extended
        self.description = description
        self.at = at
    }
}

extension Event {
    /// The delivery or failure event of an MTA report on `message`.
    public static func report(
        _ report: MTAReport, of message: Message, profile: Profile? = nil, subprofile: Subprofile? = nil
    ) -> Event {
        let eventID = newID()
        var variables: OrderedDictionary<String, PayloadValue> = [
            "id": .string(message.id.description),
            "type": .string(report.kind.rawValue),
            "timestamp": .string(EventTimestamp.timestamp(report.at)),
            "time": .integer(EventTimestamp.time(report.at)),
            "recipient": .string(message.recipient),
        ]
        if report.kind == .failure {
            variables["action"] = .string(report.action)
            variables["state"] = .string(report.state)
        }
        variables["code"] = .integer(Int64(report.code))
        variables["extended"] = .string(report.extended)
        variables["description"] = .string(report.description)
        variables["tags"] = .list(message.tags.map(PayloadValue.string))
        if let profile { variables["profile"] = profile.summary }
        if let subprofile { variables["subprofile"] = subprofile.summary }
        variables["event"] = .string(eventID)
        return Event(
            id: eventID, accountID: message.accountID, type: report.kind == .delivery ? .delivery : .failure,
            message: message.id, occurredAt: report.at, machineReason: nil, variables: .object(variables))
    }
}
