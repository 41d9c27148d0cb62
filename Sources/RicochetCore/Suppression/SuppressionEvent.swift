import Foundation
import OrderedCollections

extension Event {
    /// An entry put on (`suppression.create`) or taken off
    /// (`suppression.delete`) an account's suppression list, with the
    /// entry as it was: `suppression` (its id), `type`, `address`, `reason`,
    /// `cause` (the event that caused it, or empty), `created`, `expires`
    /// (empty when it does not), `timestamp` and `time` of the change.
    public static func suppression(
        _ type: EventType, id: String, account: Account.ID, address: String, reason: SuppressionReason,
        cause: String?, createdAt: Date, expiresAt: Date?, at: Date
    ) -> Event {
        precondition([.suppressionCreate, .suppressionDelete].contains(type))
        let eventID = newID(at: at)
        let variables: OrderedDictionary<String, PayloadValue> = [
            "suppression": .string(id),
            "type": .string(String(type.rawValue.dropFirst("suppression.".count))),
            "timestamp": .string(EventTimestamp.timestamp(at)),
            "time": .integer(EventTimestamp.time(at)),
            "address": .string(address),
            "reason": .string(reason.rawValue),
            "cause": .string(cause ?? ""),
            "created": .string(EventTimestamp.timestamp(createdAt)),
            "expires": .string(expiresAt.map(EventTimestamp.timestamp) ?? ""),
            "event": .string(eventID),
        ]
        return Event(
            id: eventID, accountID: account, type: type, message: nil, occurredAt: at, machineReason: nil,
            variables: .object(variables))
    }
}
