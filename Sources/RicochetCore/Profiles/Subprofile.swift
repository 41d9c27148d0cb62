import Foundation
import OrderedCollections

/// A named set of subprofiles within a profile database (orders, devices, …).
public struct ProfileCollection: Sendable, Equatable {
    public let id: String
    public let accountID: Account.ID
    public let databaseID: String
    public let name: String
    public let createdAt: Date

    public init(id: String, accountID: Account.ID, databaseID: String, name: String, createdAt: Date) {
        self.id = id
        self.accountID = accountID
        self.databaseID = databaseID
        self.name = name
        self.createdAt = createdAt
    }

    public static func newID() -> String { "col_" + RandomToken.base32(length: 16) }
}

/// A record of a collection that belongs to one profile.
public struct Subprofile: Sendable, Equatable {
    public let id: String
    public let accountID: Account.ID
    public let databaseID: String
    public let collectionID: String
    public let profileID: String
    public var fields: OrderedDictionary<String, String>
    public let createdAt: Date
    public var modifiedAt: Date

    public init(
        id: String, accountID: Account.ID, databaseID: String, collectionID: String, profileID: String,
        fields: OrderedDictionary<String, String>, createdAt: Date, modifiedAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.databaseID = databaseID
        self.collectionID = collectionID
        self.profileID = profileID
        self.fields = fields
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    public static func newID() -> String { "sub_" + RandomToken.base32(length: 16) }

    /// What message events carry of the subprofile they are about.
    public var summary: PayloadValue {
        [
            "id": .string(id),
            "collection": .string(collectionID),
            "fields": .object(fields.mapValues(PayloadValue.string)),
        ]
    }
}

extension Event {
    /// A subprofile's create, update or delete, with the variables of the
    /// source documents; `parameters` is what the call changed.
    public static func subprofile(_ type: EventType, _ subprofile: Subprofile, parameters: PayloadValue, at: Date)
        -> Event
    {
        precondition([.profileCreate, .profileUpdate, .profileDelete].contains(type))
        let eventID = newID()
        let variables: PayloadValue = [
            "subprofile": .string(subprofile.id),
            "type": .string(String(type.rawValue.dropFirst("profile.".count))),
            "parameters": parameters,
            "timestamp": .string(EventTimestamp.timestamp(at)),
            "time": .integer(EventTimestamp.time(at)),
            "ID": .string(subprofile.id),
            "profile": .string(subprofile.profileID),
            "database": .string(subprofile.databaseID),
            "collection": .string(subprofile.collectionID),
            "fields": .object(subprofile.fields.mapValues(PayloadValue.string)),
            "created": .string(EventTimestamp.timestamp(subprofile.createdAt)),
            "modified": .string(EventTimestamp.timestamp(subprofile.modifiedAt)),
            "event": .string(eventID),
        ]
        return Event(
            id: eventID, accountID: subprofile.accountID, type: type, message: nil, occurredAt: at, machineReason: nil,
            variables: variables)
    }
}
