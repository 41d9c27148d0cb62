import Hummingbird
import Logging
import NIOHTTP1

/// Makes every error answer of the server a JSON error document, whatever
/// threw it: the API's own errors pass through, the framework's (unknown
/// route, body too large) are translated, anything else is a 500 that reveals
/// nothing and is logged.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw APIError(
                error.status, code: Self.code(for: error.status),
                message: error.body ?? Self.message(for: error.status, request: request))
        } catch let error as HTTPParserError {
            // Broken framing (a malformed chunk size, say): the server
            // answers 400 and closes the connection; the client's fault, not
            // an error of ours.
            context.logger.debug("malformed request", metadata: ["error": "\(error)"])
            throw error
        } catch let error as any HTTPResponseError {
            throw APIError(
                error.status, code: Self.code(for: error.status),
                message: Self.message(for: error.status, request: request))
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError(.internalServerError, code: "internal", message: "internal error; see the server log")
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .contentTooLarge: "body_too_large"
        case .unauthorized: "unauthorized"
        case .badRequest: "invalid_request"
        default: status.code < 500 ? "client_error" : "internal"
        }
    }

    static func message(for status: HTTPResponse.Status, request: Request) -> String {
        switch status {
        case .notFound: "no such route: \(request.method) \(request.uri.path)"
        case .methodNotAllowed: "\(request.method) is not allowed on \(request.uri.path)"
        case .contentTooLarge: "the request body is too large"
        default: status.reasonPhrase
        }
    }
}
