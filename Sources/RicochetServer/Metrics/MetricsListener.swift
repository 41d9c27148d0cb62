import Hummingbird
import Logging
import NIOCore
import RicochetStore
import ServiceLifecycle
import Synchronization

/// The metrics listener (`--metrics HOST:PORT`): `GET /metrics` answers
/// every metric in Prometheus' text format, brought up to date first by the
/// ``MetricsSampler``. A listener of its own, apart from the API, so that it
/// can stay on a private address while the API faces the world; it asks
/// for no key, as scrape targets do not.
struct MetricsListener<Depths: QueueDepthStore>: Service {
    let host: String
    let port: Int
    let registry: MetricsRegistry
    let sampler: MetricsSampler<Depths>
    let logger: Logger
    let bound: @Sendable (Int) -> Void

    static var contentType: String { "text/plain; version=0.0.4; charset=utf-8" }

    func run() async throws {
        let router = Router()
        router.add(middleware: JSONErrorMiddleware())
        let registry = self.registry
        let sampler = self.sampler
        router.get("metrics") { _, _ -> Response in
            await sampler.refresh()
            return Response(
                status: .ok, headers: [.contentType: Self.contentType],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.exposition())))
        }
        router.get("/") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "Ricochet metrics: GET /metrics\n")))
        }
        let listening = Mutex(false)
        let (host, port, bound, logger) = (self.host, self.port, self.bound, self.logger)
        let app = Application(
            router: router,
            server: .handedOverHTTP1(),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                listening.withLock { $0 = true }
                let port = channel.localAddress?.port ?? port
                logger.info("metrics listening", metadata: ["address": "\(host):\(port)"])
                bound(port)
            },
            logger: logger)
        do {
            try await app.run()
        } catch  where !listening.withLock({ $0 }) && !(error is CancellationError) {
            throw ListenError(host: host, port: port, option: "--metrics", error: error)
        }
    }
}
