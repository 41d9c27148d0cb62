import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// `/api/v1/erasures`: erase what the account holds about one address
/// (``ErasureService``), and the audit list of erasures, newest first —
/// each with what it changed and the address only as its key.
struct ErasureController<S: ErasureStore & SecretStore>: Sendable {
    let service: ErasureService<S>

    static var maximumLimit: Int { 1000 }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("erasures", use: create)
        group.get("erasures", use: list)
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<ErasureView> {
        let account = try context.requireAccount()
        let input = try await request.decodeJSON(as: ErasureInput.self, context: context)
        do {
            let erasure = try await service.erase(input.recipient, account: account.id)
            return EditedResponse(status: .created, response: ErasureView(erasure))
        } catch ErasureService<S>.Failure.notAnAddress(let text) {
            throw APIError.badRequest(
                "recipient '\(text.prefix(100))' is not an email address", code: "invalid_recipient")
        }
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> PageView<ErasureView> {
        let account = try context.requireAccount()
        let parameters = request.uri.queryParameters
        try parameters.requireOnly(["limit", "before"])
        let limit = try parameters.limit(maximum: Self.maximumLimit)
        var before: String?
        if let text = parameters["before"] {
            guard ErasureView.isID(text) else {
                throw APIError.badRequest("before must be the 'next' value of a previous page", code: "invalid_field")
            }
            before = String(text)
        }
        let fetched = try await service.store.erasures(of: account.id, before: before, limit: limit + 1)
        return PageView("erasures", fetched: fetched, limit: limit, item: ErasureView.init, cursor: \.id)
    }
}

struct ErasureInput: StrictJSONBody {
    static let fields: Set<String> = ["recipient"]
    let recipient: String
}

/// An erasure as the API answers it.
struct ErasureView: ResponseEncodable, Sendable {
    let id: String
    let addressKey: String
    let counts: ErasureCounts
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, counts
        case addressKey = "address_key"
        case createdAt = "created_at"
    }

    init(_ erasure: StoredErasure) {
        id = erasure.id
        addressKey = erasure.addressKey
        counts = erasure.counts
        createdAt = erasure.createdAt
    }

    static func isID(_ text: Substring) -> Bool {
        TimeOrderedID.isID(text, prefix: "era_")
    }
}
