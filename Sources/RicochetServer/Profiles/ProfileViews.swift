import Foundation
import Hummingbird
import RicochetCore

struct ProfileDatabaseView: ResponseEncodable {
    let id: String
    let name: String
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name
        case createdAt = "created_at"
    }

    init(_ database: ProfileDatabase) {
        id = database.id
        name = database.name
        createdAt = database.createdAt
    }
}

struct ProfileDatabaseListView: ResponseEncodable {
    let databases: [ProfileDatabaseView]
}

struct ProfileView: ResponseEncodable {
    let id: String
    let database: String
    let fields: PayloadValue
    let interests: [String]
    let createdAt: Date
    let modifiedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, database, fields, interests
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
    }

    init(_ profile: Profile) {
        id = profile.id
        database = profile.databaseID
        fields = .object(profile.fields.mapValues(PayloadValue.string))
        interests = profile.interests
        createdAt = profile.createdAt
        modifiedAt = profile.modifiedAt
    }
}
