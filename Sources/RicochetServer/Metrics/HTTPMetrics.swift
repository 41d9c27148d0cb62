import CoreMetrics
import Hummingbird
import RicochetCore
import Synchronization

/// `ricochet_http_requests_total{route,status}`: one counter per route
/// template and status code, made on first use and kept, so that counting
/// an answer is a lookup, not a registration.
final class HTTPMetrics: Sendable {
    private struct Key: Hashable {
        let route: String
        let status: Int
    }

    /// The route of a path that no route takes (a scanner's probes must not
    /// make a series each).
    static let unmatched = "unmatched"
    /// The route of a request refused before it was read, because the
    /// server had too many connections open.
    static let overLimit = "over_limit"

    /// The route a request was answered under: the router's name for "no
    /// route" (`NotFound`) is ours.
    static func route(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath != "NotFound" else { return unmatched }
        return endpointPath
    }

    private let factory: any MetricsFactory
    private let counters = Mutex<[Key: Counter]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func answered(route: String, status: Int) {
        let key = Key(route: route, status: status)
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: MetricDefinition.httpRequests.name,
                dimensions: [("route", route), ("status", String(status))], factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }
}

/// Counts every answer of the router by the template of the route that
/// took it (`/api/v1/loops/{id}`), or ``HTTPMetrics/unmatched``. Outermost,
/// so it sees the answers that the error middleware made of errors.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HTTPMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            let response = try await next(request, context)
            metrics.answered(route: HTTPMetrics.route(context.endpointPath), status: response.status.code)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.answered(route: HTTPMetrics.route(context.endpointPath), status: status)
            throw error
        }
    }
}
