import Logging
import NIOCore
import NIOPosix
import NIOSSL
import RicochetMail
import ServiceLifecycle
import Synchronization

/// The SMTP listener of the return paths: one ``SMTPSession`` per
/// connection, at most `maximumConnections` at once (the next is answered
/// 421 and closed), each closed after `idleTimeout` without a line;
/// STARTTLS when a TLS context is configured.
public final class SMTPServer: Service, Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var session: SMTPSession.Configuration
        public var maximumConnections = 1000
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
    private let connections = Mutex(0)

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
                let admitted = connections.withLock { count in
                    guard count < configuration.maximumConnections else { return false }
                    count += 1
                    return true
                }
                guard admitted else {
                    let reply = SMTPReply(421, "4.3.2", "Too many connections, try again later")
                    return channel.writeAndFlush(ByteBuffer(string: reply.wire)).flatMap { channel.close() }
                }
                channel.closeFuture.whenComplete { _ in self.connections.withLock { $0 -= 1 } }
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
