import Foundation
import Hummingbird
import OrderedCollections
import RicochetCore
import RicochetStore

/// `/api/v1/dkim-keys`: the keys the relay signs an account's mail with,
/// one per From domain and selector, as `ricochet dkim` manages them. The
/// private key never leaves the server; each answer carries the TXT record
/// to publish.
struct DKIMKeyController<Keys: DKIMKeyStore>: Sendable {
    let keys: Keys

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("dkim-keys", use: create)
        group.get("dkim-keys", use: list)
        group.delete("dkim-keys/{id}", use: delete)
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<DKIMKeyView> {
        let account = try context.requireAccount()
        let object = try await request.decodeJSONObjectOnly(context: context)
        try ProfileInput.onlyKnown(object, ["domain", "selector", "algorithm"])
        let domain = try Self.string("domain", in: object)
        let selector = try Self.string("selector", in: object)
        var algorithm = DKIMKey.Algorithm.rsa
        if let value = object["algorithm"] {
            guard case .string(let text) = value, let chosen = DKIMKey.Algorithm(rawValue: text) else {
                throw APIError.badRequest("algorithm must be \"rsa\" or \"ed25519\"", code: "invalid_field")
            }
            algorithm = chosen
        }
        let key: DKIMKey
        do {
            key = try DKIMKey.generate(domain: domain, selector: selector, algorithm: algorithm)
        } catch let problem as DKIMKey.Problem {
            throw APIError.badRequest("\(problem)", code: "invalid_field")
        }
        let stored = StoredDKIMKey(key, account: account.id, now: Date())
        do {
            try await keys.insert(stored)
        } catch StoreError.conflict {
            throw APIError(
                .conflict, code: "selector_taken",
                message: "a key for \(key.selector)._domainkey.\(key.domain) exists; choose another selector")
        }
        var headers = HTTPFields()
        headers[.location] = "/api/v1/dkim-keys/\(stored.id)"
        return EditedResponse(status: .created, headers: headers, response: try DKIMKeyView(stored))
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> DKIMKeyListView {
        let account = try context.requireAccount()
        return DKIMKeyListView(keys: try await keys.dkimKeys(of: account.id).map(DKIMKeyView.init))
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> HTTPResponse.Status {
        let account = try context.requireAccount()
        let id = try context.parameters.require("id")
        guard try await keys.deleteDKIMKey(id, of: account.id) else { throw APIError.notFound("DKIM key \(id)") }
        return .noContent
    }

    private static func string(_ name: String, in object: OrderedDictionary<String, PayloadValue>) throws -> String {
        guard case .string(let text)? = object[name] else {
            throw APIError.badRequest("missing field '\(name)' (a string)", code: "invalid_field")
        }
        return text
    }
}

/// A DKIM key as the API answers it: what it signs for, and the record.
struct DKIMKeyView: ResponseEncodable {
    struct Record: Encodable {
        let name: String
        let type: String
        let value: String
        let zoneLine: String

        enum CodingKeys: String, CodingKey {
            case name, type, value
            case zoneLine = "zone_line"
        }
    }

    let id: String
    let domain: String
    let selector: String
    let algorithm: String
    let dns: Record
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, domain, selector, algorithm, dns
        case createdAt = "created_at"
    }

    init(_ stored: StoredDKIMKey) throws {
        let key = try stored.key()
        id = stored.id
        domain = stored.domain
        selector = stored.selector
        algorithm = stored.algorithm.rawValue
        dns = Record(
            name: "\(key.selector)._domainkey.\(key.domain).", type: "TXT", value: key.dnsValue,
            zoneLine: key.dnsRecord)
        createdAt = stored.createdAt
    }
}

struct DKIMKeyListView: ResponseEncodable {
    let keys: [DKIMKeyView]
}
