import Foundation
import Hummingbird
import OrderedCollections
import RicochetCore

/// A request body type that names the fields it accepts, so that a misspelt
/// field is an error instead of being silently ignored.
protocol StrictJSONBody: Decodable {
    static var fields: Set<String> { get }
    /// The fields that may be `null` (which then means something: "clear
    /// it"); for the others `null` is refused, as the document's types say,
    /// not taken as "absent".
    static var nullable: Set<String> { get }
}

extension StrictJSONBody {
    static var nullable: Set<String> { [] }
}

extension Request {
    /// The most a JSON body of the API may weigh.
    static let maximumJSONBytes = 1024 * 1024

    /// Decodes the body as `T`, answering 400 with a precise message for
    /// malformed JSON, a body that is not an object, unknown or mistyped fields.
    func decodeJSON<T: StrictJSONBody>(as type: T.Type, context: some RequestContext) async throws -> T {
        try await decodeJSONObject(as: type, context: context).value
    }

    /// Like ``decodeJSON(as:context:)``, and also returns the body's fields in
    /// the order they were written.
    func decodeJSONObject<T: StrictJSONBody>(
        as type: T.Type, context: some RequestContext, maximumBytes: Int = maximumJSONBytes
    ) async throws -> (value: T, object: OrderedDictionary<String, PayloadValue>) {
        var request = self
        let buffer = try await request.collectBody(limit: maximumBytes)
        let data = Data(buffer.readableBytesView)
        let decoder = JSONDecoder()
        let raw: PayloadValue
        do {
            raw = try JSONPayloadDecoder.decode(buffer.readableBytesView)
        } catch {
            throw APIError.badRequest(
                data.isEmpty
                    ? "the request body is empty; send a JSON object" : "the request body is not valid JSON: \(error)",
                code: "malformed_json")
        }
        guard case .object(let object) = raw else {
            throw APIError.badRequest("the request body must be a JSON object", code: "malformed_json")
        }
        if let unknown = object.keys.first(where: { !T.fields.contains($0) }) {
            let accepted = T.fields.sorted().joined(separator: ", ")
            throw APIError.badRequest("unknown field '\(unknown)'; accepted fields: \(accepted)", code: "unknown_field")
        }
        if let null = object.first(where: { $0.value == .null && !T.nullable.contains($0.key) })?.key {
            throw APIError.badRequest("field '\(null)' must not be null; leave it out instead", code: "invalid_field")
        }
        do {
            return (try decoder.decode(T.self, from: data), object)
        } catch let error as APIError {
            throw error
        } catch let error as DecodingError {
            throw APIError.badRequest(Self.describe(error), code: "invalid_field")
        }
    }

    /// The body as a JSON object, fields in their order, for bodies checked
    /// field by field rather than decoded into a type.
    func decodeJSONObjectOnly(context: some RequestContext) async throws -> OrderedDictionary<String, PayloadValue> {
        var request = self
        let buffer = try await request.collectBody(limit: Self.maximumJSONBytes)
        let parsed: PayloadValue
        do {
            parsed = try JSONPayloadDecoder.decode(buffer.readableBytesView)
        } catch {
            throw APIError.badRequest(
                buffer.readableBytes == 0
                    ? "the request body is empty; send a JSON object" : "the request body is not valid JSON: \(error)",
                code: "malformed_json")
        }
        guard case .object(let object) = parsed else {
            throw APIError.badRequest("the request body must be a JSON object", code: "malformed_json")
        }
        return object
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }
                .joined().trimmingPrefix(".").description
        }
        switch error {
        case .keyNotFound(let key, let context):
            let full = path(context.codingPath + [key])
            return "missing field '\(full)'"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))' must be \(describe(type))"
        case .dataCorrupted(let context):
            return "field '\(path(context.codingPath))' is invalid: \(context.debugDescription)"
        @unknown default:
            return "the request body does not have the expected shape"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        case is [Any].Type: "an array"
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : "a JSON value of another type"
        }
    }
}
