import Foundation
import OrderedCollections
import RicochetCore
import RicochetStore

/// The checks of profile data, each answering 400 with what is wrong.
enum ProfileInput {
    static let maximumFields = 200
    static let maximumNameLength = 100
    static let maximumValueLength = 4000
    static let maximumInterests = 200

    /// 1 to 100 Unicode scalars (JSON Schema's length), none a control
    /// character (C0, DEL, C1): the document's pattern, exactly.
    static func name(_ name: String, of what: String) throws -> String {
        guard !name.isEmpty, name.unicodeScalars.count <= maximumNameLength,
            !name.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        else {
            throw APIError.badRequest(
                "\(what) name must be 1 to \(maximumNameLength) characters without control characters",
                code: "invalid_name")
        }
        return name
    }

    /// Field values are strings; with `allowingNull`, null removes a field.
    static func fields(_ value: PayloadValue?, allowingNull: Bool) throws -> OrderedDictionary<String, String?> {
        guard let value else { return [:] }
        guard case .object(let object) = value else {
            throw APIError.badRequest("fields must be an object of strings", code: "invalid_fields")
        }
        guard object.count <= maximumFields else {
            throw APIError.badRequest("at most \(maximumFields) fields", code: "invalid_fields")
        }
        var fields = OrderedDictionary<String, String?>()
        for (name, element) in object {
            guard !name.isEmpty, name.unicodeScalars.count <= maximumNameLength else {
                throw APIError.badRequest(
                    "field names are 1 to \(maximumNameLength) characters", code: "invalid_fields")
            }
            switch element {
            case .string(let text) where text.unicodeScalars.count <= maximumValueLength:
                fields[name] = .some(text)
            case let number where number.asInteger != nil:
                fields[name] = .some(String(number.asInteger!))
            case .null where allowingNull:
                fields[name] = .some(nil)
            default:
                throw APIError.badRequest(
                    "fields.\(name) must be a string of at most \(maximumValueLength) characters"
                        + (allowingNull ? ", or null to remove it" : ""),
                    code: "invalid_fields")
            }
        }
        return fields
    }

    static func interests(_ value: PayloadValue?) throws -> [String]? {
        guard let value else { return nil }
        guard case .list(let items) = value, items.count <= maximumInterests else {
            throw APIError.badRequest(
                "interests must be a list of at most \(maximumInterests) strings", code: "invalid_interests")
        }
        var interests: [String] = []
        for item in items {
            guard case .string(let text) = item, !text.isEmpty, text.unicodeScalars.count <= maximumNameLength else {
                throw APIError.badRequest(
                    "each interest is a string of 1 to \(maximumNameLength) characters", code: "invalid_interests")
            }
            if !interests.contains(text) { interests.append(text) }
        }
        return interests
    }

    static func onlyKnown(_ object: OrderedDictionary<String, PayloadValue>, _ known: Set<String>) throws {
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw APIError.badRequest(
                "unknown field '\(unknown)'; accepted fields: \(known.sorted().joined(separator: ", "))",
                code: "unknown_field")
        }
    }

    /// Applies a PATCH's field changes (nil removes a field) and returns
    /// those that changed something, as an event's `parameters.fields`.
    static func apply(
        _ changes: OrderedDictionary<String, String?>, to fields: inout OrderedDictionary<String, String>
    ) -> OrderedDictionary<String, PayloadValue> {
        var changed = OrderedDictionary<String, PayloadValue>()
        for (name, value) in changes where fields[name] != value {
            fields[name] = value
            changed[name] = value.map(PayloadValue.string) ?? .null
        }
        return changed
    }
}

extension ProfileStore {
    /// The caller's profile database named by the `{db}` path parameter, or a 404.
    func database(for context: APIRequestContext) async throws -> ProfileDatabase {
        let account = try context.requireAccount()
        let id = try context.parameters.require("db")
        guard let database = try await profileDatabase(id, of: account.id) else {
            throw APIError.notFound("database \(id)")
        }
        return database
    }
}
