import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import RicochetMail

/// One connection to an SMTP server, as a client: commands out, replies in
/// order. Every wait for a reply has a deadline; when it passes, or the
/// server sends what is not SMTP, or the connection drops, every reply still
/// awaited fails and the connection closes. Commands may be pipelined
/// (RFC 2920): ``send(_:timeout:)`` writes them all, then reads their replies.
final class SMTPClientConnection: Sendable {
    enum Failure: Error, CustomStringConvertible {
        case timedOut
        case closed
        case protocolError(String)

        var description: String {
            switch self {
            case .timedOut: "the server did not answer in time"
            case .closed: "the server closed the connection"
            case .protocolError(let problem): "the server does not speak SMTP: \(problem)"
            }
        }
    }

    /// Longest reply line kept (RFC 5321 asks for 512; some say more).
    static let maximumLineLength = 16 * 1024

    private let channel: any Channel
    private let handler: NIOLoopBound<SMTPClientHandler>

    private init(channel: any Channel, handler: NIOLoopBound<SMTPClientHandler>) {
        self.channel = channel
        self.handler = handler
    }

    /// Connects and reads the greeting.
    static func connect(host: String, port: Int, connectTimeout: TimeAmount, greetingTimeout: TimeAmount)
        async throws -> (SMTPClientConnection, greeting: SMTPReply)
    {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let greeting = loop.makePromise(of: SMTPReply.self)
        let connection: SMTPClientConnection
        do {
            connection = try await open(
                host: host, port: port, on: loop, connectTimeout: connectTimeout, greeting: greeting)
        } catch {
            // No handler holds the greeting's promise unless the channel
            // came up; failing it again once the handler did is harmless.
            greeting.fail(error)
            throw error
        }
        let reply = try await connection.await([greeting.futureResult], timeout: greetingTimeout)
        return (connection, reply[0])
    }

    private static func open(
        host: String, port: Int, on loop: any EventLoop, connectTimeout: TimeAmount,
        greeting: EventLoopPromise<SMTPReply>
    ) async throws -> SMTPClientConnection {
        let channel = try await ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = SMTPClientHandler(greeting: greeting)
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(SMTPLineDecoder(maximumLength: maximumLineLength)))
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: host, port: port)
            .get()
        do {
            let handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: SMTPClientHandler.self), eventLoop: loop)
            }.get()
            return SMTPClientConnection(channel: channel, handler: handler)
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Why connecting failed, in a few words (a refused connection, a host
    /// that does not resolve), rather than NIO's nested description.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let failure as NIOConnectionError:
            if let first = failure.connectionErrors.first { return reason(first.error) }
            if let dns = failure.dnsAError ?? failure.dnsAAAAError { return "the name does not resolve (\(dns))" }
            return "the name has no address"
        case let io as IOError:
            return String(cString: strerror(io.errnoCode)).lowercased()
        case ChannelError.connectTimeout:
            return "no answer to the connection in time"
        default:
            return "\(error)"
        }
    }

    /// Writes the command lines at once and returns their replies in order.
    func send(_ commands: [String], timeout: TimeAmount) async throws -> [SMTPReply] {
        try await write(commands.map { ByteBuffer(string: $0 + "\r\n") }, timeout: timeout)
    }

    func command(_ line: String, timeout: TimeAmount) async throws -> SMTPReply {
        try await send([line], timeout: timeout)[0]
    }

    /// The message text after a 354 (dot-stuffed, ending `.`), and its reply.
    func data(_ message: [UInt8], timeout: TimeAmount) async throws -> SMTPReply {
        var buffer = channel.allocator.buffer(capacity: message.count + 64)
        buffer.writeBytes(SMTPClientText.data(message))
        return try await write([buffer], timeout: timeout)[0]
    }

    /// After a 220 to STARTTLS: TLS goes under the line decoder, and this
    /// returns once the handshake is done.
    func startTLS(_ context: NIOSSLContext, serverHostname: String?, timeout: TimeAmount) async throws {
        let channel = self.channel
        let handler = self.handler
        let done = try await channel.eventLoop.submit {
            let promise = channel.eventLoop.makePromise(of: Void.self)
            handler.value.handshake = promise
            do {
                try channel.pipeline.syncOperations.addHandler(
                    try NIOSSLClientHandler(context: context, serverHostname: serverHostname), position: .first)
            } catch {
                handler.value.fail(error)
                channel.close(promise: nil)
            }
            return promise.futureResult
        }.get()
        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
            handler.value.fail(Failure.timedOut)
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        try await done.get()
    }

    /// Sends QUIT (its answer is not awaited for long) and closes.
    func quit() async {
        _ = try? await command("QUIT", timeout: .seconds(5))
        await close()
    }

    func close() async {
        try? await channel.close()
    }

    var isActive: Bool { channel.isActive }

    private func write(_ buffers: [ByteBuffer], timeout: TimeAmount) async throws -> [SMTPReply] {
        let channel = self.channel
        let handler = self.handler
        let replies = try await channel.eventLoop.submit {
            let promises = buffers.map { _ in channel.eventLoop.makePromise(of: SMTPReply.self) }
            for promise in promises { handler.value.expect(promise) }
            for buffer in buffers { channel.write(buffer, promise: nil) }
            channel.flush()
            return promises.map(\.futureResult)
        }.get()
        return try await self.await(replies, timeout: timeout)
    }

    /// Waits for the replies; past the deadline every one fails and the
    /// connection closes.
    private func await(_ replies: [EventLoopFuture<SMTPReply>], timeout: TimeAmount) async throws -> [SMTPReply] {
        let channel = self.channel
        let handler = self.handler
        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
            handler.value.fail(Failure.timedOut)
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        var answers: [SMTPReply] = []
        for reply in replies { answers.append(try await reply.get()) }
        return answers
    }
}

/// Reads replies and hands each to the oldest command waiting for one.
final class SMTPClientHandler: ChannelInboundHandler {
    typealias InboundIn = SMTPLine

    private var reader = SMTPReplyReader()
    private var waiting = CircularBuffer<EventLoopPromise<SMTPReply>>()
    /// Once failed, the connection is over: whatever is asked next fails too.
    private var failure: (any Error)?
    var handshake: EventLoopPromise<Void>?

    init(greeting: EventLoopPromise<SMTPReply>) {
        waiting.append(greeting)
    }

    func expect(_ promise: EventLoopPromise<SMTPReply>) {
        if let failure {
            promise.fail(failure)
        } else {
            waiting.append(promise)
        }
    }

    func fail(_ error: any Error) {
        if failure == nil { failure = error }
        while let promise = waiting.popFirst() { promise.fail(error) }
        handshake?.fail(error)
        handshake = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        do {
            guard !line.truncated else {
                throw SMTPReplyReader.Problem(description: "a reply line longer than the client keeps")
            }
            guard let reply = try reader.read(line.bytes) else { return }
            guard let promise = waiting.popFirst() else {
                throw SMTPReplyReader.Problem(description: "a reply nobody asked for: \(reply.code) \(reply.text)")
            }
            promise.succeed(reply)
        } catch {
            fail(SMTPClientConnection.Failure.protocolError("\(error)"))
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            handshake?.succeed()
            handshake = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(SMTPClientConnection.Failure.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }
}
