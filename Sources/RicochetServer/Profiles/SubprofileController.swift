import Foundation
import Hummingbird
import OrderedCollections
import RicochetCore
import RicochetStore

/// Collections of a profile database and their subprofiles; each subprofile
/// belongs to a profile of the same database. Every create, update and delete
/// of a subprofile is a `profile.*` event with the subprofile's variables.
struct SubprofileController<Store: ProfileStore & SubprofileStore>: Sendable {
    let store: Store
    var events = EventMetrics.none

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("databases/{db}/collections", use: createCollection)
        group.get("databases/{db}/collections", use: listCollections)
        group.post("databases/{db}/collections/{c}/subprofiles", use: create)
        group.get("databases/{db}/collections/{c}/subprofiles", use: list)
        group.get("databases/{db}/collections/{c}/subprofiles/{id}", use: show)
        group.patch("databases/{db}/collections/{c}/subprofiles/{id}", use: update)
        group.delete("databases/{db}/collections/{c}/subprofiles/{id}", use: delete)
    }

    @Sendable func createCollection(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<
        CollectionView
    > {
        let database = try await store.database(for: context)
        let object = try await request.decodeJSONObjectOnly(context: context)
        try ProfileInput.onlyKnown(object, ["name"])
        guard case .string(let rawName)? = object["name"] else {
            throw APIError.badRequest("missing field 'name' (a string)", code: "invalid_field")
        }
        let collection = ProfileCollection(
            id: ProfileCollection.newID(), accountID: database.accountID, databaseID: database.id,
            name: try ProfileInput.name(rawName, of: "collection"), createdAt: Date())
        do {
            try await store.insert(collection)
        } catch StoreError.conflict {
            throw APIError(.conflict, code: "name_taken", message: "a collection named '\(collection.name)' exists")
        }
        return EditedResponse(status: .created, response: CollectionView(collection))
    }

    @Sendable func listCollections(_ request: Request, context: APIRequestContext) async throws -> CollectionListView {
        let database = try await store.database(for: context)
        return CollectionListView(
            collections: try await store.collections(in: database.id, of: database.accountID).map(CollectionView.init))
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<SubprofileView>
    {
        let collection = try await collection(for: context)
        let object = try await request.decodeJSONObjectOnly(context: context)
        try ProfileInput.onlyKnown(object, ["profile", "fields"])
        guard case .string(let profileID)? = object["profile"] else {
            throw APIError.badRequest(
                "missing field 'profile' (the id of the profile it belongs to)", code: "invalid_field")
        }
        guard let profile = try await store.profile(profileID, of: collection.accountID),
            profile.databaseID == collection.databaseID
        else {
            throw APIError.unprocessable("no profile \(profileID) in this database", code: "unknown_profile")
        }
        let fields = try ProfileInput.fields(object["fields"], allowingNull: false).compactMapValues { $0 }
        let now = Date()
        let subprofile = Subprofile(
            id: Subprofile.newID(), accountID: collection.accountID, databaseID: collection.databaseID,
            collectionID: collection.id, profileID: profile.id, fields: fields, createdAt: now, modifiedAt: now)
        let parameters: PayloadValue = ["fields": .object(fields.mapValues(PayloadValue.string))]
        let event = Event.subprofile(.profileCreate, subprofile, parameters: parameters, at: now)
        try await store.insert(subprofile, event: event)
        events.recorded([event])
        return EditedResponse(status: .created, response: SubprofileView(subprofile))
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> PageView<SubprofileView> {
        let collection = try await collection(for: context)
        let listing = try ListingQuery(request)
        let page = try await store.subprofiles(
            in: collection.id, of: collection.accountID, where: listing.fields, after: listing.after,
            limit: listing.limit + 1)
        return PageView("subprofiles", fetched: page, limit: listing.limit, item: SubprofileView.init, cursor: \.id)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> SubprofileView {
        SubprofileView(try await subprofile(for: context))
    }

    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> SubprofileView {
        var subprofile = try await subprofile(for: context)
        let object = try await request.decodeJSONObjectOnly(context: context)
        try ProfileInput.onlyKnown(object, ["fields"])
        let changes = try ProfileInput.fields(object["fields"], allowingNull: true)
        let changed = ProfileInput.apply(changes, to: &subprofile.fields)
        guard !changed.isEmpty else { return SubprofileView(subprofile) }
        subprofile.modifiedAt = Date()
        let event = Event.subprofile(
            .profileUpdate, subprofile, parameters: ["fields": .object(changed)], at: subprofile.modifiedAt)
        do {
            try await store.update(subprofile, event: event)
        } catch StoreError.notFound {
            throw APIError.notFound("subprofile \(subprofile.id)")
        }
        events.recorded([event])
        return SubprofileView(subprofile)
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> HTTPResponse.Status {
        let subprofile = try await subprofile(for: context)
        let event = Event.subprofile(.profileDelete, subprofile, parameters: [:], at: Date())
        guard try await store.deleteSubprofile(subprofile, event: event) else {
            throw APIError.notFound("subprofile \(subprofile.id)")
        }
        events.recorded([event])
        return .noContent
    }

    private func collection(for context: APIRequestContext) async throws -> ProfileCollection {
        let database = try await store.database(for: context)
        let id = try context.parameters.require("c")
        guard let collection = try await store.collection(id, of: database.accountID),
            collection.databaseID == database.id
        else { throw APIError.notFound("collection \(id)") }
        return collection
    }

    private func subprofile(for context: APIRequestContext) async throws -> Subprofile {
        let collection = try await collection(for: context)
        let id = try context.parameters.require("id")
        guard let subprofile = try await store.subprofile(id, of: collection.accountID),
            subprofile.collectionID == collection.id
        else { throw APIError.notFound("subprofile \(id)") }
        return subprofile
    }
}

struct CollectionView: ResponseEncodable {
    let id: String
    let database: String
    let name: String
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, database, name
        case createdAt = "created_at"
    }

    init(_ collection: ProfileCollection) {
        id = collection.id
        database = collection.databaseID
        name = collection.name
        createdAt = collection.createdAt
    }
}

struct CollectionListView: ResponseEncodable {
    let collections: [CollectionView]
}

struct SubprofileView: ResponseEncodable {
    let id: String
    let profile: String
    let database: String
    let collection: String
    let fields: PayloadValue
    let createdAt: Date
    let modifiedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, profile, database, collection, fields
        case createdAt = "created_at"
        case modifiedAt = "modified_at"
    }

    init(_ subprofile: Subprofile) {
        id = subprofile.id
        profile = subprofile.profileID
        database = subprofile.databaseID
        collection = subprofile.collectionID
        fields = .object(subprofile.fields.mapValues(PayloadValue.string))
        createdAt = subprofile.createdAt
        modifiedAt = subprofile.modifiedAt
    }
}
