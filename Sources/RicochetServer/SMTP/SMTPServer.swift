import Logging
import NIOCore
import NIOPosix
import RicochetMail
import ServiceLifecycle
import Synchronization

/// The SMTP listener of the return paths: one ``SMTPSession`` per
/// connection, at most `maximumConnections` at once (the next is answered
/// 421 and closed), each closed after `idleTimeout` without a line.
public final class SMTPServer: Service, Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var session: SMTPSession.Configuration
        public var maximumConnections = 1000
        public var idleTimeout = TimeAmount.minutes(5)
        /// Longest line kept (message text included); longer ones are cut and refused.
        public var maximumLineLength = 64 * 1024

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
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleStateHandler(readTimeout: configuration.idleTimeout),
                        ByteToMessageHandler(SMTPLineDecoder(maximumLength: configuration.maximumLineLength)),
                        SMTPConnectionHandler(
                            session: SMTPSession(configuration: configuration.session), intake: intake,
                            logger: logger),
                    ])
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
