import Logging
import NIOCore
import NIOPosix
import NIOSSL
import RicochetMail
import ServiceLifecycle
import Synchronization

/// The SMTP listener of the return paths: one ``SMTPSession`` per
/// connection, at most `maximumConnections` at once and
/// `maximumConnectionsPerAddress` from one IP address (the next is answered
/// 421 and closed), each closed after `idleTimeout` without a line;
/// STARTTLS when a TLS context is configured.
public final class SMTPServer: Service, Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var session: SMTPSession.Configuration
        public var maximumConnections = 1000
        /// From one IP address at once (mail servers open a few; a flood is refused).
        public var maximumConnectionsPerAddress = 64
        public var idleTimeout = TimeAmount.minutes(5)
        /// Longest line kept (message text included); longer ones are cut and refused.
        public var maximumLineLength = 64 * 1024
        /// With a certificate, STARTTLS is offered.
        public var tls: NIOSSLContext?

        public init(host: String, port: Int, session: SMTPSession.Configuration) {
            self.host = host
            self.port = port
            self.session = session
        }
    }

    private let configuration: Configuration
    private let intake: SMTPConnectionHandler.Intake
    private let logger: Logger
    private let onBound: @Sendable (Int) async -> Void
    private let connections = Mutex(ConnectionCount())

    /// Open connections, in all and per client address.
    struct ConnectionCount {
        var total = 0
        var perAddress: [String: Int] = [:]

        /// Counts one more from `address`, unless a limit is reached: the
        /// reply that says which one.
        mutating func admit(_ address: String, configuration: Configuration) -> SMTPReply? {
            guard total < configuration.maximumConnections else {
                return SMTPReply(421, "4.3.2", "Too many connections, try again later")
            }
            guard perAddress[address, default: 0] < configuration.maximumConnectionsPerAddress else {
                return SMTPReply(421, "4.7.0", "Too many connections from your address, try again later")
            }
            total += 1
            perAddress[address, default: 0] += 1
            return nil
        }

        mutating func leave(_ address: String) {
            total -= 1
            perAddress[address, default: 1] -= 1
            if perAddress[address] == 0 { perAddress[address] = nil }
        }
    }

    public init(
        configuration: Configuration, logger: Logger,
        onBound: @escaping @Sendable (Int) async -> Void = { _ in },
        intake: @escaping @Sendable (SMTPEnvelope, _ peer: String?) async throws -> String
    ) {
        self.configuration = configuration
        self.intake = intake
        self.logger = logger
        self.onBound = onBound
    }

    public func run() async throws {
        let configuration = self.configuration
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                let address = channel.remoteAddress?.ipAddress ?? "?"
                if let refusal = connections.withLock({ $0.admit(address, configuration: configuration) }) {
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RefuseConnection(reply: refusal))
                    }
                }
                channel.closeFuture.whenComplete { _ in self.connections.withLock { $0.leave(address) } }
                var session = configuration.session
                session.startTLSAvailable = configuration.tls != nil
                let lines = SMTPConnectionHandler.Lines(maximumLength: configuration.maximumLineLength)
                return channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    try operations.addHandler(IdleStateHandler(readTimeout: configuration.idleTimeout))
                    try operations.addHandler(lines.makeDecoder(), name: SMTPConnectionHandler.Lines.handlerName)
                    try operations.addHandler(
                        SMTPConnectionHandler(
                            session: SMTPSession(configuration: session), lines: lines, tls: configuration.tls,
                            intake: intake, logger: logger))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: configuration.host, port: configuration.port)
            .get()
        let port = channel.localAddress?.port ?? configuration.port
        logger.info("SMTP receiver listening", metadata: ["address": "\(configuration.host):\(port)"])
        await onBound(port)
        try? await gracefulShutdown()
        try? await channel.close()
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
