import Foundation
import Hummingbird
import OrderedCollections
import RicochetCore
import RicochetStore

/// Profile databases and profiles. Every create, update and delete of a
/// profile is recorded as a `profile.*` event in the same transaction.
struct ProfileController<Profiles: ProfileStore>: Sendable {
    let profiles: Profiles
    var events = EventMetrics.none

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("databases", use: createDatabase)
        group.get("databases", use: listDatabases)
        group.post("databases/{db}/profiles", use: create)
        group.get("databases/{db}/profiles", use: list)
        group.get("databases/{db}/profiles/{id}", use: show)
        group.patch("databases/{db}/profiles/{id}", use: update)
        group.delete("databases/{db}/profiles/{id}", use: delete)
    }

    @Sendable func createDatabase(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<
        ProfileDatabaseView
    > {
        let account = try context.requireAccount()
        let object = try await request.decodeJSONObjectOnly(context: context)
        try ProfileInput.onlyKnown(object, ["name"])
        guard case .string(let rawName)? = object["name"] else {
            throw APIError.badRequest("missing field 'name' (a string)", code: "invalid_field")
        }
        let database = ProfileDatabase(
            id: ProfileDatabase.newID(), accountID: account.id, name: try ProfileInput.name(rawName, of: "database"),
            createdAt: Date())
        do {
            try await profiles.insert(database)
        } catch StoreError.conflict {
            throw APIError(.conflict, code: "name_taken", message: "a database named '\(database.name)' exists")
        }
        return EditedResponse(status: .created, response: ProfileDatabaseView(database))
    }

    @Sendable func listDatabases(_ request: Request, context: APIRequestContext) async throws -> ProfileDatabaseListView
    {
        let account = try context.requireAccount()
        return ProfileDatabaseListView(
            databases: try await profiles.profileDatabases(of: account.id).map(ProfileDatabaseView.init))
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<ProfileView> {
        let database = try await profiles.database(for: context)
        let object = try await request.decodeJSONObjectOnly(context: context)
        try ProfileInput.onlyKnown(object, ["fields", "interests"])
        let fields = try ProfileInput.fields(object["fields"], allowingNull: false).compactMapValues { $0 }
        let interests = try ProfileInput.interests(object["interests"]) ?? []
        let now = Date()
        let profile = Profile(
            id: Profile.newID(), accountID: database.accountID, databaseID: database.id, fields: fields,
            interests: interests, createdAt: now, modifiedAt: now)
        let parameters: PayloadValue = [
            "fields": .object(fields.mapValues(PayloadValue.string)),
            "interests": .list(interests.map(PayloadValue.string)),
        ]
        let event = Event.profile(.profileCreate, profile, parameters: parameters, at: now)
        try await profiles.insert(profile, event: event)
        events.recorded([event])
        return EditedResponse(status: .created, response: ProfileView(profile))
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> PageView<ProfileView> {
        let database = try await profiles.database(for: context)
        let listing = try ListingQuery(request)
        let page = try await profiles.profiles(
            in: database.id, of: database.accountID, where: listing.fields, after: listing.after,
            limit: listing.limit + 1)
        return PageView("profiles", fetched: page, limit: listing.limit, item: ProfileView.init, cursor: \.id)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> ProfileView {
        ProfileView(try await profile(for: context))
    }

    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> ProfileView {
        var profile = try await profile(for: context)
        let object = try await request.decodeJSONObjectOnly(context: context)
        try ProfileInput.onlyKnown(object, ["fields", "interests"])
        let changes = try ProfileInput.fields(object["fields"], allowingNull: true)
        let interests = try ProfileInput.interests(object["interests"])
        let changedFields = ProfileInput.apply(changes, to: &profile.fields)
        var parameters = OrderedDictionary<String, PayloadValue>()
        if !changedFields.isEmpty { parameters["fields"] = .object(changedFields) }
        if let interests, interests != profile.interests {
            profile.interests = interests
            parameters["interests"] = .list(interests.map(PayloadValue.string))
        }
        guard !parameters.isEmpty else { return ProfileView(profile) }
        profile.modifiedAt = Date()
        let event = Event.profile(.profileUpdate, profile, parameters: .object(parameters), at: profile.modifiedAt)
        do {
            try await profiles.update(profile, event: event)
        } catch StoreError.notFound {
            throw APIError.notFound("profile \(profile.id)")
        }
        events.recorded([event])
        return ProfileView(profile)
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> HTTPResponse.Status {
        let profile = try await profile(for: context)
        let event = Event.profile(.profileDelete, profile, parameters: [:], at: Date())
        guard try await profiles.deleteProfile(profile, event: event) else {
            throw APIError.notFound("profile \(profile.id)")
        }
        events.recorded([event])
        return .noContent
    }

    private func profile(for context: APIRequestContext) async throws -> Profile {
        let database = try await profiles.database(for: context)
        let id = try context.parameters.require("id")
        guard let profile = try await profiles.profile(id, of: database.accountID), profile.databaseID == database.id
        else { throw APIError.notFound("profile \(id)") }
        return profile
    }
}
