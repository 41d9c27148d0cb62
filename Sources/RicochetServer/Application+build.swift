import CoreMetrics
import Foundation
import Hummingbird
import Logging
import NIOSSL
import RicochetCore
import RicochetDelivery
import RicochetMail
import RicochetStore

/// What the server knows once it listens, for the start-up banner.
public struct ServerReady: Sendable {
    public let port: Int
    /// The SMTP receiver's port, when it listens.
    public let smtpPort: Int?
    /// The submission listener's port, when the relay is on.
    public let submissionPort: Int?
    /// Whether the submission listener offers AUTH without TLS.
    public let submissionAuthInClear: Bool
    /// The metrics listener's port, when it listens.
    public let metricsPort: Int?
    public let publicURL: PublicURL
    /// Set on the very first start only, when the account was just created.
    public let firstAccount: FirstStartAnnouncement?
}

/// Builds the whole server: store, outbound client, routes. `ricochet serve`
/// and the tests call this same function. `onReady` is called once every
/// listener is bound (and a new database has its first account); a listener
/// that cannot bind makes running the application throw ``ListenError``.
public func buildApplication<S: Store>(
    _ configuration: AppConfiguration,
    store: S,
    logger: Logger? = nil,
    readiness: Readiness = Readiness(),
    progress: ShutdownProgress = ShutdownProgress(),
    onReady: @escaping @Sendable (ServerReady) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "ricochet")
    logger.logLevel = configuration.logLevel
    logger[metadataKey: "node"] = "\(configuration.node.name)"
    let smtpTLS = try configuration.smtpCertificate?.makeContext()

    await readiness.use { try await store.checkReadWrite(now: Date()) }
    try await createSigningKeyIfNeeded(in: store)
    let secret = try await store.secret(named: "tracking")

    let egressGuard: EgressGuard? =
        configuration.allowPrivateNetworks
        ? nil
        : try await EgressGuard.bind(
            policy: .globalOnly, connectTimeout: OutboundClient.defaultConnectTimeout, logger: logger)
    let client = OutboundClient(egressGuard: egressGuard)

    let registry = configuration.metrics.map { _ in MetricsRegistry() }
    let metrics = registry.map { ServerMetrics(factory: $0) } ?? .none
    let recorder = EventRecorder(store: store, logger: logger, metrics: metrics.events)
    var dispatching = Dispatcher<S>.Configuration()
    dispatching.userAgent = "Ricochet/\(Ricochet.version)"
    dispatching.retention = configuration.retentionDays * 86400
    dispatching.node = configuration.node
    let dispatcher = Dispatcher(
        store: store, client: client, logger: logger, configuration: dispatching, metrics: metrics.delivery)
    let fastPath = TrackingFastPath.Configuration(
        codec: TrackingTokenCodec(secret: secret),
        clientAddress: ClientAddress(
            trustedProxies: Set(configuration.trustedProxies), truncation: configuration.ipTruncation),
        record: { hit, loop, done in recorder.submit([.tracking(hit)], on: loop) { done((try? $0.get()) != nil) } },
        metrics: metrics.http)
    let publicURL = configuration.publicURL ?? .listening(host: configuration.host, port: configuration.port)
    let bounceDomain = configuration.bounceDomain ?? publicURL.host
    let relaySender: RelaySender<S>? = try configuration.relay.map { relay in
        var sending = RelaySender<S>.Configuration(
            smarthost: relay.smarthost, hostname: bounceDomain, bounceDomain: bounceDomain,
            holder: configuration.node.instance)
        sending.retention = configuration.retentionDays * 86400
        return try RelaySender(
            store: store, recorder: recorder,
            urls: TrackingURLs(base: publicURL.string, codec: TrackingTokenCodec(secret: secret)),
            returnPaths: ReturnPathCodec(secret: secret), unsubscribe: unsubscribeLinks(configuration, secret: secret),
            configuration: sending, logger: logger,
            metrics: metrics.relay)
    }
    let router = buildRouter(
        store: store, client: client, recorder: recorder, dispatcher: dispatcher, secret: secret,
        readiness: readiness, configuration: configuration, logger: logger, metrics: metrics,
        relayQueued: { relaySender?.queued() })
    var listeners: Set<Startup<S>.Listener> = [.http]
    if configuration.smtp != nil { listeners.insert(.smtp) }
    if configuration.relay != nil { listeners.insert(.submission) }
    if configuration.metrics != nil { listeners.insert(.metrics) }
    let startup = Startup(listeners: listeners, accounts: store, readiness: readiness) { ports, first in
        let port = ports[.http] ?? configuration.port
        let publicURL = configuration.publicURL ?? .listening(host: configuration.host, port: port)
        await onReady(
            ServerReady(
                port: port, smtpPort: ports[.smtp], submissionPort: ports[.submission],
                submissionAuthInClear: configuration.relay?.authenticationInClear ?? false,
                metricsPort: ports[.metrics], publicURL: publicURL, firstAccount: first))
    }
    let connections = HTTPConnectionLimit(
        maximum: configuration.httpMaximumConnections, idleTimeout: .init(configuration.httpIdleTimeout))
    var app = Application(
        router: router,
        server: .handedOverHTTP1(
            configuration: .init(additionalChannelHandlers: [
                HTTPConnectionGuard(limit: connections, metrics: metrics.http), TrackingFastPath(fastPath),
            ])),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        onServerRunning: { channel in
            startup.bound(.http, port: channel.localAddress?.port ?? configuration.port)
        },
        logger: logger
    )
    // Shut down in reverse order, after the server has drained: the
    // dispatcher (finishing requests under way), the client, the guard it
    // tunnels through, the recorder, then the database.
    app.addServices(progress.named("closing the database", ShutdownHook { await store.close() }))
    app.addServices(progress.named("the event recorder", recorder))
    if let egressGuard { app.addServices(progress.named("the egress guard", egressGuard)) }
    app.addServices(progress.named("closing the outbound client", ShutdownHook { try? await client.shutdown() }))
    app.addServices(progress.named("the dispatcher", dispatcher))
    app.addServices(
        progress.named("housekeeping", Housekeeping(store: store, holder: configuration.node.instance, logger: logger)))
    if let relay = configuration.relay, let sender = relaySender {
        app.addServices(progress.named("the relay sender", sender))
        app.addServices(
            progress.named(
                "the submission listener",
                submissionListener(
                    relay, hostname: bounceDomain, bounceDomain: bounceDomain, tls: smtpTLS, store: store,
                    recorder: recorder, logger: logger,
                    metrics: metrics, queued: { sender.queued() }, bound: { startup.bound(.submission, port: $0) })))
    }
    if let address = configuration.smtp {
        let processor = InboundProcessor(
            store: store, recorder: recorder, codec: ReturnPathCodec(secret: secret),
            unsubscribe: unsubscribeLinks(configuration, secret: secret), ipTruncation: configuration.ipTruncation,
            retention: configuration.retentionDays * 86400, holder: configuration.node.instance, logger: logger,
            metrics: metrics.inbound)
        app.addServices(progress.named("the returned-mail processor", processor))
        app.addServices(
            progress.named(
                "the SMTP receiver",
                returnPathReceiver(
                    at: address, domain: bounceDomain, tls: smtpTLS, secret: secret,
                    unsubscribe: unsubscribeLinks(configuration, secret: secret),
                    store: store, logger: logger, sessions: metrics.receiverSessions, stored: { processor.stored() },
                    bound: { startup.bound(.smtp, port: $0) })))
    }
    if let address = configuration.metrics, let registry {
        Gauge(
            label: MetricDefinition.buildInfo.name,
            dimensions: [
                ("version", Ricochet.version), ("backend", store.backend), ("node", configuration.node.name),
            ], factory: registry
        ).record(1)
        app.addServices(
            progress.named(
                "the metrics listener",
                MetricsListener(
                    host: address.host, port: address.port, registry: registry,
                    sampler: MetricsSampler(store: store, factory: registry, logger: logger), logger: logger,
                    bound: { startup.bound(.metrics, port: $0) })))
    }
    // Shut down first of these: nothing is said to be running after SIGTERM.
    app.addServices(progress.named("start-up", startup))
    return app
}

/// The SMTP receiver: takes mail for this installation's return paths
/// (`bounces+TOKEN@DOMAIN`, token checked) and for the plain
/// `bounces@DOMAIN`, the address to register with mailbox providers'
/// complaint feedback loops (their reports name the message by the headers
/// of the copy they enclose), and for the `List-Unsubscribe` addresses
/// (`unsubscribe+TOKEN@DOMAIN`, token checked). Stores each message before
/// answering 250; STARTTLS with a TLS context.
func returnPathReceiver(
    at address: AppConfiguration.SMTPAddress, domain: String, tls: NIOSSLContext?, secret: [UInt8],
    unsubscribe: UnsubscribeLinks,
    store: some InboundMailStore, logger: Logger, sessions: SMTPSessionMetrics = .none,
    stored: @escaping @Sendable () -> Void,
    bound: @escaping @Sendable (Int) -> Void = { _ in }
) -> SMTPServer {
    let codec = ReturnPathCodec(secret: secret)
    let suffix = "@" + domain.lowercased()
    let session = SMTPSession.Configuration(hostname: domain) { recipient in
        let lowered = recipient.lowercased()
        return lowered == "bounces" + suffix
            || (lowered.hasPrefix("bounces+") && lowered.hasSuffix(suffix)
                && BounceMatch.returnPath(lowered, codec: codec) != nil)
            || (lowered.hasSuffix(suffix) && unsubscribe.message(fromAddress: lowered) != nil)
    }
    var configuration = SMTPServer.Configuration(host: address.host, port: address.port, session: session)
    configuration.tls = tls
    configuration.sessions = sessions
    return SMTPServer(configuration: configuration, logger: logger, onBound: { bound($0) }) { envelope, client in
        let mail = InboundMail(
            id: "inb_" + RandomToken.base32(length: 20), receivedAt: Date(), peer: client.peer, helo: envelope.helo,
            mailFrom: envelope.mailFrom, rcptTo: envelope.rcptTo, data: envelope.data)
        try await store.storeInbound(mail)
        stored()
        return mail.id
    }
}

/// Gives the installation its first keys: RSA for the classic feedback-loop
/// signature, Ed25519 for HTTP Message Signatures (an installation from
/// before those gets its first Ed25519 key at its next start).
func createSigningKeyIfNeeded(in store: some SigningKeyStore) async throws {
    // Nodes starting at once may each make one: the later retires the
    // earlier only after an hour, so what was signed with it still verifies.
    let grace: TimeInterval = 3600
    if try await store.signingKeys(.rsa, at: Date()).isEmpty {
        let key = try InstallationKey.generate()
        try await store.addSigningKey(id: key.id, algorithm: .rsa, privateKey: key.pem, now: Date(), grace: grace)
    }
    if try await store.signingKeys(.ed25519, at: Date()).isEmpty {
        let key = InstallationEd25519Key.generate()
        try await store.addSigningKey(
            id: key.id, algorithm: .ed25519, privateKey: key.pem, now: Date(), grace: grace)
    }
}

/// The installation's published keys as a JSON Web Key Set: the RSA keys,
/// then the Ed25519 keys, each newest first.
func publishedKeys(in store: some SigningKeyStore) async throws -> PayloadValue {
    let now = Date()
    let rsa = try await store.signingKeys(.rsa, at: now).map { try InstallationKey(pem: $0.privateKey).jwk() }
    let ed25519 = try await store.signingKeys(.ed25519, at: now).map {
        try InstallationEd25519Key(pem: $0.privateKey).jwk()
    }
    return ["keys": .list(rsa + ed25519)]
}

/// The `List-Unsubscribe` links of this installation's messages: the URL on
/// the public URL, and the `mailto:` on the bounce domain where the SMTP
/// receiver listens for it.
func unsubscribeLinks(_ configuration: AppConfiguration, secret: [UInt8]) -> UnsubscribeLinks {
    let publicURL = configuration.publicURL ?? .listening(host: configuration.host, port: configuration.port)
    return UnsubscribeLinks(
        secret: secret, base: publicURL.string,
        mailDomain: configuration.smtp == nil ? nil : configuration.bounceDomain ?? publicURL.host)
}

/// The routes: health, the API description, tracked URLs, and the API behind its key.
func buildRouter<S: Store>(
    store: S, client: OutboundClient, recorder: EventRecorder<S>, dispatcher: Dispatcher<S>, secret: [UInt8],
    readiness: Readiness, configuration: AppConfiguration, logger: Logger, metrics: ServerMetrics = .none,
    relayQueued: @escaping @Sendable () -> Void = {}
) -> Router<APIRequestContext> {
    let publicURL = configuration.publicURL ?? .listening(host: configuration.host, port: configuration.port)
    let codec = TrackingTokenCodec(secret: secret)
    let router = Router(context: APIRequestContext.self)
    router.add(middleware: HTTPMetricsMiddleware(metrics: metrics.http))
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.add(middleware: JSONErrorMiddleware())
    // Liveness: the process answers. Readiness: it should be sent traffic.
    router.get("healthz") { _, _ in HealthView(status: "ok", version: Ricochet.version, reason: nil) }
    router.get("readyz") { _, _ in
        let reason = await readiness.reasonNotReady()
        return EditedResponse(
            status: reason == nil ? .ok : .serviceUnavailable,
            response: HealthView(
                status: reason == nil ? "ready" : "not_ready", version: Ricochet.version, reason: reason))
    }
    router.get("api/v1/openapi.yaml") { _, _ in OpenAPIDocument.response() }
    router.get(".well-known/ricochet-keys") { _, _ in
        var headers = HTTPFields()
        headers[.contentType] = "application/jwk-set+json"
        headers[.cacheControl] = "public, max-age=300"
        let body = JSONPayloadEncoder.encode(try await publishedKeys(in: store)) + "\n"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
    TrackingController(
        codec: codec, recorder: recorder, images: ImageProxy(store: store, client: client, logger: logger),
        clientAddress: ClientAddress(
            trustedProxies: Set(configuration.trustedProxies), truncation: configuration.ipTruncation)
    ).addRoutes(to: router)

    UnsubscribeController(
        links: unsubscribeLinks(configuration, secret: secret), recorder: recorder,
        clientAddress: ClientAddress(
            trustedProxies: Set(configuration.trustedProxies), truncation: configuration.ipTruncation)
    ).addRoutes(to: router)

    let api = router.group("api/v1").add(middleware: APIKeyAuthenticator(accounts: store))
    let loopService = LoopService(
        loops: store,
        validator: LoopValidator(client: client, timeout: configuration.validationTimeout),
        tester: TestCall(client: client, timeout: configuration.testTimeout),
        loopsChanged: { dispatcher.loopsChanged() },
        signing: { loop in
            LoopSigning(
                secrets: try await store.secrets(of: loop.id, at: Date()),
                keys: try await InstallationKeys.current(in: store), ed25519Key: loop.ed25519Key)
        },
        userAgent: "Ricochet/\(Ricochet.version)"
    )
    LoopController(service: loopService).addRoutes(to: api)
    let deliveryService = DeliveryService(store: store, deliveriesQueued: { dispatcher.deliveriesQueued() })

    let page = DashboardPage(library: DashboardAssets.library, node: configuration.node.name)
    let sessions = DashboardSessions(store: store, secureCookies: publicURL.string.hasPrefix("https:"))
    DashboardAssets.addRoutes(to: router)
    let signedIn = router.group().add(middleware: DashboardAuthenticator(sessions: sessions, page: page))
    SignInController(accounts: store, sessions: sessions, page: page).addRoutes(to: router, signedIn: signedIn)
    LoopPages(service: loopService, page: page).addRoutes(to: signedIn)
    DeliveryPages(store: store, loops: loopService, service: deliveryService, page: page).addRoutes(to: signedIn)
    StatisticsPages(store: store, page: page).addRoutes(to: signedIn)
    EventPages(store: store, page: page).addRoutes(to: signedIn)
    let relayActions = RelayQueueActions(
        store: store, recorder: recorder, wake: relayQueued, metrics: metrics.relay)
    OutgoingPages(store: store, actions: relayActions, relayOn: configuration.relay != nil, page: page)
        .addRoutes(to: signedIn)
    SuppressionPages(store: store, page: page).addRoutes(to: signedIn)
    DeliveryController(store: store, service: deliveryService).addRoutes(to: api)
    let unsubscribe = unsubscribeLinks(configuration, secret: secret)
    MessageController(
        messages: store, urls: TrackingURLs(base: publicURL.string, codec: codec),
        returnPaths: ReturnPathCodec(secret: secret), unsubscribe: unsubscribe, bounceLocalPart: "bounces",
        bounceDomain: configuration.bounceDomain ?? publicURL.host
    ).addRoutes(to: api)
    EventController(events: store).addRoutes(to: api)
    MTAEventController(messages: store, recorder: recorder).addRoutes(to: api)
    StatisticsController(store: store).addRoutes(to: api)
    ProfileController(profiles: store, events: metrics.events).addRoutes(to: api)
    SubprofileController(store: store, events: metrics.events).addRoutes(to: api)
    DKIMKeyController(keys: store).addRoutes(to: api)
    SuppressionController(suppressions: store).addRoutes(to: api)
    SettingsController(settings: store).addRoutes(to: api)
    ErasureController(
        service: ErasureService(store: store, settle: EventRecorder<S>.messageCacheLifetime + .seconds(1))
    ).addRoutes(to: api)
    // Last: it wraps only the answer for a request no route took.
    router.add(
        middleware: MethodNotAllowedMiddleware(routes: router.routes.map { (path: $0.path, method: $0.method) }))
    return router
}

struct HealthView: ResponseEncodable {
    let status: String
    let version: String
    /// Why the node is not ready.
    let reason: String?
}
