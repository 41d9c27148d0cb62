import Foundation
import HTTPTypes
import Hummingbird
import RicochetCore

/// An error answer of the API: `{"error": {"code": …, "message": …, …}}`.
///
/// `code` is stable and meant for programs; `message` says in words what was
/// wrong; `details` adds what a caller needs to act (the attempts of a failed
/// validation, the kind of a transport error).
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let details: [String: PayloadValue]
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, message: String, details: [String: PayloadValue] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var error: PayloadValue = ["code": .string(code), "message": .string(message)]
        if case .object(var object) = error {
            for (key, value) in details.sorted(by: { $0.key < $1.key }) {
                object[key] = value
            }
            error = .object(object)
        }
        let body = JSONPayloadEncoder.encode(["error": error]) + "\n"
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

extension APIError {
    static func badRequest(_ message: String, code: String = "invalid_request") -> APIError {
        APIError(.badRequest, code: code, message: message)
    }

    /// A request the document allows that cannot be done as it stands: it
    /// names what does not exist, or its parts contradict each other. (400
    /// is kept for requests the document itself refuses.)
    static func unprocessable(_ message: String, code: String) -> APIError {
        APIError(.unprocessableContent, code: code, message: message)
    }

    static func notFound(_ what: String) -> APIError {
        APIError(.notFound, code: "not_found", message: "\(what) not found")
    }

    static let unauthorizedMissing: APIError = {
        var error = APIError(
            .unauthorized, code: "unauthorized",
            message: "missing API key: send the header 'Authorization: Bearer KEY'")
        error.headers[.wwwAuthenticate] = "Bearer"
        return error
    }()

    static let unauthorizedInvalid: APIError = {
        var error = APIError(.unauthorized, code: "unauthorized", message: "invalid API key")
        error.headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\""
        return error
    }()
}
