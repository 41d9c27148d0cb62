import AsyncHTTPClient
import Logging
import NIOCore
import RicochetCore

/// The one HTTP client of the process for requests to customers' servers.
///
/// Redirects are never followed (a redirect is an answer, reported as such),
/// response bodies are read only up to a cap, every exchange has a deadline,
/// and, unless private networks are allowed, every connection goes through the
/// ``EgressGuard``.
public final class OutboundClient: Sendable {
    let http: HTTPClient
    let egressGuard: EgressGuard?

    public static let defaultConnectTimeout: Duration = .seconds(5)

    /// - Parameter egressGuard: the guard all connections go through; nil
    ///   connects directly (private networks allowed).
    public init(egressGuard: EgressGuard?, connectTimeout: Duration = defaultConnectTimeout) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: TimeAmount(connectTimeout), read: nil)
        configuration.decompression = .disabled
        // A failed connection is reported at once; retrying is the caller's decision.
        configuration.connectionPool.retryConnectionEstablishment = false
        // As many connections to one receiver as a loop may have requests in flight.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit =
            DeliverySettings.concurrencyRange.upperBound
        // Spans would go to no tracer, at a cost on every request.
        configuration.tracing.tracer = nil
        if let egressGuard {
            configuration.proxy = .server(host: "127.0.0.1", port: egressGuard.port)
        }
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.egressGuard = egressGuard
    }

    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// Sends `request` and returns the answer, whatever its status. Throws
    /// only when no answer came.
    public func send(_ request: OutboundRequest) async throws(OutboundError) -> OutboundResponse {
        let clock = ContinuousClock()
        let start = clock.now
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method == .get ? .GET : .POST
        outgoing.headers.add(name: "User-Agent", value: Ricochet.userAgent)
        for header in request.headers {
            outgoing.headers.replaceOrAdd(name: header.name, value: header.value)
        }
        if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        let http = self.http
        let prepared = outgoing
        do {
            return try await withDeadline(request.timeout, on: http.eventLoopGroup.any()) {
                let response = try await http.execute(prepared, timeout: TimeAmount(request.timeout))
                var body: [UInt8] = []
                var truncated = false
                for try await chunk in response.body {
                    let room = request.maximumBodyBytes - body.count
                    if chunk.readableBytes > room {
                        body += chunk.readableBytesView.prefix(room)
                        truncated = true
                        break
                    }
                    body += chunk.readableBytesView
                }
                return OutboundResponse(
                    status: Int(response.status.code),
                    headers: response.headers.map { (name: $0.name, value: $0.value) },
                    body: body,
                    truncated: truncated,
                    durationMilliseconds: (clock.now - start).milliseconds
                )
            }
        } catch {
            let (kind, message) = classify(error, url: request.url, timeout: request.timeout)
            throw OutboundError(kind: kind, message: message, durationMilliseconds: (clock.now - start).milliseconds)
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

extension Duration {
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
