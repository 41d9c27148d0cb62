import Logging
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL
import RicochetMail
import ServiceLifecycle
import Synchronization

/// The SMTP listener of the return paths: one ``SMTPSession`` per
/// connection; at most `maximumConnections` at once, and fewer from one
/// address or one network (the next is answered 421 and closed); STARTTLS
/// when a TLS context is configured.
///
/// Idle clients cannot hold the receiver: a connection is closed after
/// `idleTimeout` without a line, and once the open connections near the cap
/// (`stressConnections`) that bound drops to `stressIdleTimeout` for every
/// connection, as Postfix does under stress, until half as many are left. At shutdown the listener stops
/// accepting and each connection is answered 421 and closed once the message
/// it is handing over, if any, is stored.
public final class SMTPServer: Service, Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var session: SMTPSession.Configuration
        public var maximumConnections = 1000
        /// From one IP address at once (mail servers open a few; a flood is refused).
        public var maximumConnectionsPerAddress = 64
        /// From one /24 (IPv4) or /64 (IPv6) at once.
        public var maximumConnectionsPerNetwork = 256
        public var idleTimeout = TimeAmount.minutes(5)
        /// The idle bound while at least `stressConnections` are open.
        public var stressIdleTimeout = TimeAmount.seconds(10)
        /// Open connections from which on the receiver is under stress; by
        /// default three quarters of `maximumConnections`.
        public var stressConnections: Int?
        /// Longest line kept (message text included); longer ones are cut and refused.
        public var maximumLineLength = 64 * 1024
        /// How long shutdown waits for messages being handed over.
        public var drainTimeout = TimeAmount.seconds(10)
        /// With a certificate, STARTTLS is offered.
        public var tls: NIOSSLContext?
        /// The option that set the address, named when it cannot be listened on.
        public var option = "--smtp"
        /// What the listener is called in the log.
        public var name = "SMTP receiver"
        /// Where the ends of its connections are counted.
        var sessions = SMTPSessionMetrics.none

        public init(host: String, port: Int, session: SMTPSession.Configuration) {
            self.host = host
            self.port = port
            self.session = session
        }

        var stressThreshold: Int { stressConnections ?? max(1, maximumConnections * 3 / 4) }
    }

    private let configuration: Configuration
    private let intake: SMTPConnectionHandler.Intake
    private let authenticator: SMTPConnectionHandler.Authenticator?
    private let recipientCheck: SMTPConnectionHandler.RecipientCheck?
    private let logger: Logger
    private let onBound: @Sendable (Int) async -> Void
    private let connections = Mutex(ConnectionCount())

    /// Open connections, in all, per client address and per network.
    struct ConnectionCount {
        var total = 0
        /// Under stress from `stressThreshold` open connections until fewer
        /// than half that many are left: closing one idle client must not
        /// end it, or the others would keep their places.
        private(set) var stressed = false
        var perAddress: [String: Int] = [:]
        var perNetwork: [String: Int] = [:]

        /// Counts one more from `client`, unless a limit is reached: the
        /// reply that says which one.
        mutating func admit(_ client: ClientNetwork, configuration: Configuration) -> SMTPReply? {
            guard total < configuration.maximumConnections else {
                return SMTPReply(421, "4.3.2", "Too many connections, try again later")
            }
            guard perAddress[client.address, default: 0] < configuration.maximumConnectionsPerAddress else {
                return SMTPReply(421, "4.7.0", "Too many connections from your address, try again later")
            }
            guard perNetwork[client.network, default: 0] < configuration.maximumConnectionsPerNetwork else {
                return SMTPReply(421, "4.7.0", "Too many connections from your network, try again later")
            }
            total += 1
            perAddress[client.address, default: 0] += 1
            perNetwork[client.network, default: 0] += 1
            if total >= configuration.stressThreshold { stressed = true }
            return nil
        }

        mutating func leave(_ client: ClientNetwork, configuration: Configuration) {
            total -= 1
            if total < configuration.stressThreshold / 2 { stressed = false }
            perAddress[client.address, default: 1] -= 1
            if perAddress[client.address] == 0 { perAddress[client.address] = nil }
            perNetwork[client.network, default: 1] -= 1
            if perNetwork[client.network] == 0 { perNetwork[client.network] = nil }
        }

        /// How long a connection may now wait between lines.
        func idleTimeout(configuration: Configuration) -> TimeAmount {
            stressed ? configuration.stressIdleTimeout : configuration.idleTimeout
        }
    }

    public init(
        configuration: Configuration, logger: Logger,
        onBound: @escaping @Sendable (Int) async -> Void = { _ in },
        authenticator: (
            @Sendable (_ username: String, _ password: String, _ peer: String?) async ->
                SMTPSession
                .AuthenticationOutcome
        )? = nil,
        recipientCheck: (@Sendable (_ recipient: String, _ client: SMTPClient) async -> SMTPReply?)? = nil,
        intake: @escaping @Sendable (SMTPEnvelope, SMTPClient) async throws -> String
    ) {
        self.configuration = configuration
        self.recipientCheck = recipientCheck
        self.intake = intake
        self.authenticator = authenticator
        self.logger = logger
        self.onBound = onBound
    }

    public func run() async throws {
        let configuration = self.configuration
        let quiesce = ServerQuiescingHelper(group: MultiThreadedEventLoopGroup.singleton)
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            quiesce.makeServerChannelHandler(channel: channel))
                    }
                }
                .childChannelInitializer { [self] channel in initialize(channel) }
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            throw ListenError(
                host: configuration.host, port: configuration.port, option: configuration.option, error: error)
        }
        let port = channel.localAddress?.port ?? configuration.port
        logger.info("\(configuration.name) listening", metadata: ["address": "\(configuration.host):\(port)"])
        await onBound(port)
        try? await gracefulShutdown()
        let drained = channel.eventLoop.makePromise(of: Void.self)
        quiesce.initiateShutdown(promise: drained)
        let deadline = channel.eventLoop.scheduleTask(in: configuration.drainTimeout) {
            drained.fail(ChannelError.ioOnClosedChannel)
        }
        try? await drained.futureResult.get()
        deadline.cancel()
        try? await channel.close()
    }

    private func initialize(_ channel: any Channel) -> EventLoopFuture<Void> {
        let configuration = self.configuration
        let client = ClientNetwork(channel.remoteAddress)
        if let refusal = connections.withLock({ $0.admit(client, configuration: configuration) }) {
            configuration.sessions.ended(.refused)
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(RefuseConnection(reply: refusal))
            }
        }
        channel.closeFuture.whenComplete { _ in
            self.connections.withLock { $0.leave(client, configuration: configuration) }
        }
        var session = configuration.session
        session.startTLSAvailable = configuration.tls != nil
        session.checksRecipients = recipientCheck != nil
        let lines = SMTPConnectionHandler.Lines(maximumLength: configuration.maximumLineLength)
        let idleTimeout: @Sendable () -> TimeAmount = { [self] in
            connections.withLock { $0.idleTimeout(configuration: configuration) }
        }
        return channel.eventLoop.makeCompletedFuture {
            let operations = channel.pipeline.syncOperations
            try operations.addHandler(lines.makeDecoder(), name: SMTPConnectionHandler.Lines.handlerName)
            try operations.addHandler(
                SMTPConnectionHandler(
                    session: SMTPSession(configuration: session), lines: lines, tls: configuration.tls,
                    idle: .init(timeout: idleTimeout, longestCheck: configuration.stressIdleTimeout),
                    intake: intake, authenticator: authenticator, recipientCheck: recipientCheck,
                    sessions: configuration.sessions, logger: logger))
        }
    }
}

/// Answers a connection over the limits with its reply, then closes it.
private final class RefuseConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let reply: SMTPReply

    init(reply: SMTPReply) {
        self.reply = reply
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply.wire))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
