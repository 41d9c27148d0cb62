import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// `/api/v1/suppressions`: the account's suppression list, to page through
/// (newest first, by reason), add to (by hand, or carried over from another
/// platform with its reason) and remove from. An address is given as it is
/// written; the list keys it lower-cased (``SuppressedAddress``). The whole
/// list goes out and comes in as CSV (``SuppressionCSV``).
struct SuppressionController<Suppressions: SuppressionStore & EventStore>: Sendable {
    let suppressions: Suppressions

    static var maximumLimit: Int { 1000 }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("suppressions", use: list)
        group.post("suppressions", use: create)
        group.get("suppressions/export", use: export)
        group.post("suppressions/import", use: importCSV)
        group.get("suppressions/{address}", use: show)
        group.delete("suppressions/{address}", use: delete)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> PageView<SuppressionView> {
        let account = try context.requireAccount()
        let parameters = request.uri.queryParameters
        let known: Set<String> = ["reason", "limit", "before"]
        try parameters.requireOnly(known)
        let reason = try parameters["reason"].map { try Self.reason(String($0)) }
        let limit = try parameters.limit(maximum: Self.maximumLimit)
        var before: String?
        if let text = parameters["before"] {
            guard SuppressionView.isID(text) else {
                throw APIError.badRequest("before must be the 'next' value of a previous page", code: "invalid_field")
            }
            before = String(text)
        }
        let fetched = try await suppressions.suppressions(
            of: account.id, reason: reason, before: before, limit: limit + 1)
        return PageView("suppressions", fetched: fetched, limit: limit, item: SuppressionView.init, cursor: \.id)
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<
        SuppressionView
    > {
        let account = try context.requireAccount()
        let object = try await request.decodeJSONObjectOnly(context: context)
        try ProfileInput.onlyKnown(object, ["address", "reason", "expires_at"])
        guard case .string(let text)? = object["address"] else {
            throw APIError.badRequest("missing field 'address' (a string)", code: "invalid_field")
        }
        let address = try Self.address(text)
        var reason = SuppressionReason.manual
        if let value = object["reason"] {
            guard case .string(let name) = value else {
                throw APIError.badRequest("reason must be a string", code: "invalid_field")
            }
            reason = try Self.reason(name)
        }
        var expiresAt: Date?
        if let value = object["expires_at"] {
            guard case .string(let time) = value, let date = RFC3339.parse(time) else {
                throw APIError.badRequest("expires_at must be an RFC 3339 time", code: "invalid_field")
            }
            expiresAt = RFC3339.clamped(date)
        }
        let entry = StoredSuppression(
            address: address, account: account.id, reason: reason, eventID: nil, now: Date(), expiresAt: expiresAt)
        try await suppressions.suppress(entry, event: entry.creationEvent())
        var headers = HTTPFields()
        let path = address.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? address
        headers[.location] = "/api/v1/suppressions/\(path)"
        return EditedResponse(status: .created, headers: headers, response: SuppressionView(entry))
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> SuppressionView {
        let account = try context.requireAccount()
        let address = try Self.pathAddress(context)
        guard let entry = try await suppressions.suppression(of: address, account: account.id, at: Date()) else {
            throw APIError.notFound("suppression of \(address)")
        }
        return SuppressionView(entry)
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> HTTPResponse.Status {
        let account = try context.requireAccount()
        let address = try Self.pathAddress(context)
        guard try await suppressions.deleteSuppression(of: address, account: account.id, now: Date()) != nil else {
            throw APIError.notFound("suppression of \(address)")
        }
        return .noContent
    }

    /// The `{address}` of the path, percent-decoded once (the router hands it over as sent).
    private static func pathAddress(_ context: APIRequestContext) throws -> String {
        let raw = try context.parameters.require("address")
        guard let decoded = raw.removingPercentEncoding else {
            throw APIError.badRequest(
                "the address in the path is not percent-encoded correctly", code: "invalid_address")
        }
        return try address(decoded)
    }

    static func address(_ text: String) throws -> String {
        guard let address = SuppressedAddress.normalised(text) else {
            throw APIError.badRequest(
                "'\(text)' is not an email address (local@domain, at most \(SuppressedAddress.maximumLength) characters, no spaces, control characters or angle brackets)",
                code: "invalid_address")
        }
        return address
    }

    static func reason(_ text: String) throws -> SuppressionReason {
        guard let reason = SuppressionReason(rawValue: text) else {
            throw APIError.badRequest(
                "reason must be one of \(SuppressionReason.allCases.map(\.rawValue).joined(separator: ", "))",
                code: "invalid_field")
        }
        return reason
    }
}

/// An entry as the API answers it.
struct SuppressionView: ResponseEncodable, Sendable {
    let id: String
    let address: String
    let reason: String
    let event: String?
    let createdAt: Date
    let expiresAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, address, reason, event
        case createdAt = "created_at"
        case expiresAt = "expires_at"
    }

    init(_ entry: StoredSuppression) {
        id = entry.id
        address = entry.address
        reason = entry.reason.rawValue
        event = entry.eventID
        createdAt = entry.createdAt
        expiresAt = entry.expiresAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(address, forKey: .address)
        try container.encode(reason, forKey: .reason)
        try container.encode(event, forKey: .event)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(expiresAt, forKey: .expiresAt)
    }

    /// The entry as the API writes it, for error details.
    var payload: PayloadValue {
        [
            "id": .string(id), "address": .string(address), "reason": .string(reason),
            "event": event.map(PayloadValue.string) ?? .null, "created_at": .string(RFC3339.string(createdAt)),
            "expires_at": expiresAt.map { .string(RFC3339.string($0)) } ?? .null,
        ]
    }

    static func isID(_ text: Substring) -> Bool {
        TimeOrderedID.isID(text, prefix: "sup_")
    }
}
