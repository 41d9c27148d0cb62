import HTTPTypes
@_spi(Internal) import Hummingbird

/// Answers `405 Method Not Allowed` with an `Allow` header, as JSON like
/// every error of the server, for a request whose path is a route of the
/// router under other methods; a path that is no route stays a 404.
///
/// The router itself answers 404 for both. Added to the router after its
/// last route, this middleware wraps only the router's not-found answer
/// (a router's middleware applies to the routes added after it, and to the
/// not-found answer, which the router builds when it starts). Paths resolve
/// in a trie built the same way as the router's, so a path means here what
/// it means to the router: `/api/v1/loops/check` is that route, not
/// `/api/v1/loops/{id}`.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    private let routes: RouterTrie<[HTTPRequest.Method]>

    /// The routes as the router lists them (`Router.routes`), each path with
    /// the methods it answers.
    init(routes: [(path: RouterPath, method: HTTPRequest.Method)]) {
        var methods: [String: (path: RouterPath, methods: [HTTPRequest.Method])] = [:]
        for route in routes {
            methods[route.path.description, default: (route.path, [])].methods.append(route.method)
        }
        let builder = RouterPathTrieBuilder<[HTTPRequest.Method]>()
        for (path, answered) in methods.values {
            builder.addEntry(path, value: answered.sorted { $0.rawValue < $1.rawValue })
        }
        self.routes = builder.build()
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let (allowed, _) = routes.resolve(request.uri.path), !allowed.contains(request.method) else {
                throw error
            }
            let list = allowed.map(\.rawValue).joined(separator: ", ")
            var answer = APIError(
                .methodNotAllowed, code: "method_not_allowed",
                message: "\(request.method) is not allowed on \(request.uri.path); allowed: \(list)",
                details: ["allowed": .list(allowed.map { .string($0.rawValue) })])
            answer.headers[.allow] = list
            throw answer
        }
    }
}
