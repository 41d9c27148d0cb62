import Foundation
import OrderedCollections

/// Something that happened to a message or a profile, enriched and fixed when
/// it is recorded: `variables` are what feedback loops receive.
public struct Event: Sendable, Equatable {
    public let id: String
    public let accountID: Account.ID
    public let type: EventType
    public let message: MessageID?
    public let occurredAt: Date
    /// Why a machine made it, if one did.
    public let machineReason: String?
    public let variables: PayloadValue

    public init(
        id: String, accountID: Account.ID, type: EventType, message: MessageID?, occurredAt: Date,
        machineReason: String?, variables: PayloadValue
    ) {
        self.id = id
        self.accountID = accountID
        self.type = type
        self.message = message
        self.occurredAt = occurredAt
        self.machineReason = machineReason
        self.variables = variables
    }

    /// `evt_` and a time-ordered id: see `TimeOrderedID`.
    public static func newID(at date: Date = Date()) -> String {
        TimeOrderedID.make("evt_", at: date)
    }

    /// The open or click event of a hit on one of `message`'s tracked URLs,
    /// with the variables of the source documents in their order.
    public static func tracking(
        _ hit: TrackingHit, of message: Message, profile: Profile? = nil, subprofile: Subprofile? = nil
    ) -> Event {
        let eventID = newID()
        let machine = MachineDetector.reason(
            for: .init(
                isHead: hit.isHead, userAgent: hit.userAgent, ip: hit.ip,
                secondsSinceSent: hit.at.timeIntervalSince(message.createdAt)))
        let link = hit.linkIndex.flatMap { index in message.links.first { $0.index == index } }
        var tags = message.tags
        for tag in link?.tags ?? [] where !tags.contains(tag) { tags.append(tag) }
        var variables: OrderedDictionary<String, PayloadValue> = [
            "id": .string(message.id.description),
            "type": .string(hit.kind.rawValue),
            "timestamp": .string(EventTimestamp.timestamp(hit.at)),
            "time": .integer(EventTimestamp.time(hit.at)),
            "recipient": .string(message.recipient),
            "ip": .string(hit.ip),
        ]
        if hit.kind == .click {
            variables["original"] = .string(hit.url ?? link?.url ?? "")
        }
        variables["useragent"] = .string(hit.userAgent)
        variables["referer"] = .string(hit.referer)
        variables["tags"] = .list(tags.map(PayloadValue.string))
        if let profile { variables["profile"] = profile.summary }
        if let subprofile { variables["subprofile"] = subprofile.summary }
        variables["event"] = .string(eventID)
        variables["machine"] = .bool(machine != nil)
        if let machine { variables["machine_reason"] = .string(machine) }
        return Event(
            id: eventID, accountID: message.accountID, type: hit.kind == .open ? .open : .click, message: message.id,
            occurredAt: hit.at, machineReason: machine, variables: .object(variables))
    }
}
