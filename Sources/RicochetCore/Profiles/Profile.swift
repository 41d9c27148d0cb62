import Foundation
import OrderedCollections

/// A named set of profiles, as senders keep their recipients.
public struct ProfileDatabase: Sendable, Equatable {
    public let id: String
    public let accountID: Account.ID
    public let name: String
    public let createdAt: Date

    public init(id: String, accountID: Account.ID, name: String, createdAt: Date) {
        self.id = id
        self.accountID = accountID
        self.name = name
        self.createdAt = createdAt
    }

    public static func newID() -> String { "db_" + RandomToken.base32(length: 16) }
}

/// A recipient's profile: fields (a string map) and interests.
public struct Profile: Sendable, Equatable {
    public let id: String
    public let accountID: Account.ID
    public let databaseID: String
    public var fields: OrderedDictionary<String, String>
    public var interests: [String]
    public let createdAt: Date
    public var modifiedAt: Date

    public init(
        id: String, accountID: Account.ID, databaseID: String, fields: OrderedDictionary<String, String>,
        interests: [String], createdAt: Date, modifiedAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.databaseID = databaseID
        self.fields = fields
        self.interests = interests
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    public static func newID() -> String { "prf_" + RandomToken.base32(length: 16) }

    /// What message events carry of the recipient's profile.
    public var summary: PayloadValue {
        [
            "id": .string(id),
            "database": .string(databaseID),
            "fields": .object(fields.mapValues(PayloadValue.string)),
            "interests": .list(interests.map(PayloadValue.string)),
        ]
    }
}

extension Event {
    /// A profile's create, update or delete, with the variables of the source
    /// documents; `parameters` is what the call changed.
    public static func profile(_ type: EventType, _ profile: Profile, parameters: PayloadValue, at: Date) -> Event {
        precondition([.profileCreate, .profileUpdate, .profileDelete].contains(type))
        let eventID = newID()
        let variables: PayloadValue = [
            "profile": .string(profile.id),
            "type": .string(String(type.rawValue.dropFirst("profile.".count))),
            "parameters": parameters,
            "timestamp": .string(EventTimestamp.timestamp(at)),
            "time": .integer(EventTimestamp.time(at)),
            "ID": .string(profile.id),
            "database": .string(profile.databaseID),
            "fields": .object(profile.fields.mapValues(PayloadValue.string)),
            "interests": .list(profile.interests.map(PayloadValue.string)),
            "created": .string(EventTimestamp.timestamp(profile.createdAt)),
            "modified": .string(EventTimestamp.timestamp(profile.modifiedAt)),
            "event": .string(eventID),
        ]
        return Event(
            id: eventID, accountID: profile.accountID, type: type, message: nil, occurredAt: at, machineReason: nil,
            variables: variables)
    }
}
