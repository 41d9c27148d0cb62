import Logging
import NIOCore
import NIOSSL
import NIOTLS
import RicochetMail

/// Runs one ``SMTPSession`` on a connection: lines in, replies out. While a
/// message is being stored or credentials checked, later (pipelined) lines
/// wait their turn; the reply to each line goes out in order.
///
/// STARTTLS puts TLS under the line decoder. Whatever the client sent in
/// the clear after the command is thrown away, not read as if it had come
/// encrypted (RFC 3207 §6, command injection).
final class SMTPConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = SMTPLine
    typealias OutboundOut = ByteBuffer

    /// Stores a received message durably and returns its id; throws an
    /// ``SMTPRefusal`` for mail it will not take.
    typealias Intake = @Sendable (SMTPEnvelope, SMTPClient) async throws -> String

    /// Checks AUTH credentials (the submission listener's; the receiver has none).
    typealias Authenticator =
        @Sendable (_ username: String, _ password: String, _ peer: String?) async ->
        SMTPSession
        .AuthenticationOutcome

    /// Checks a recipient the session's syntax took: nil takes it, a reply refuses it.
    typealias RecipientCheck = @Sendable (_ recipient: String, _ client: SMTPClient) async -> SMTPReply?

    /// How the connection's line decoder is made, and its name in the pipeline.
    struct Lines: Sendable {
        static let handlerName = "smtp-lines"
        /// The decoder under TLS (the first may still be leaving the pipeline).
        static let secureHandlerName = "smtp-lines-tls"
        let maximumLength: Int

        func makeDecoder() -> ByteToMessageHandler<SMTPLineDecoder> {
            ByteToMessageHandler(SMTPLineDecoder(maximumLength: maximumLength))
        }
    }

    /// When an idle connection is closed: `timeout()` is asked each time
    /// (it drops while the receiver is under stress), at least every
    /// `longestCheck`.
    struct Idle: Sendable {
        let timeout: @Sendable () -> TimeAmount
        let longestCheck: TimeAmount
    }

    private var session: SMTPSession
    private let lines: Lines
    private let idle: Idle
    private var lastLine = NIODeadline.now()
    private var idleCheck: Scheduled<Void>?
    /// Shutdown asked to close once the message being stored is answered.
    private var closeWhenStored = false
    private let tls: NIOSSLContext?
    private let intake: Intake
    private let authenticator: Authenticator?
    private let recipientCheck: RecipientCheck?
    private let logger: Logger
    private let sessions: SMTPSessionMetrics
    /// How the connection ends, if it ends now.
    private var end = SMTPSessionEnd.disconnected
    /// A message is being stored or credentials checked: lines wait.
    private var storing = false
    private var held: [SMTPLine] = []
    /// STARTTLS answered, handshake not finished: lines are the clear text
    /// sent after the command, and are dropped.
    private var awaitingHandshake = false

    /// Lines held while a message is stored; a client sending more is closed.
    static let maximumHeldLines = 1000

    init(
        session: SMTPSession, lines: Lines, tls: NIOSSLContext?, idle: Idle, intake: @escaping Intake,
        authenticator: Authenticator? = nil, recipientCheck: RecipientCheck? = nil,
        sessions: SMTPSessionMetrics = .none, logger: Logger
    ) {
        self.session = session
        self.recipientCheck = recipientCheck
        self.sessions = sessions
        self.authenticator = authenticator
        self.lines = lines
        self.idle = idle
        self.tls = tls
        self.intake = intake
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        lastLine = .now()
        scheduleIdleCheck(context: context)
        perform(session.greeting(), context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
        sessions.ended(end)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        lastLine = .now()
        if awaitingHandshake { return }
        if storing {
            held.append(line)
            if held.count > Self.maximumHeldLines {
                ending(.error)
                context.close(promise: nil)
            }
            return
        }
        perform(session.receive(line.bytes[...], truncated: line.truncated), context: context)
    }

    /// Checks again when the connection would have been idle for the
    /// timeout in force now, or after `longestCheck`, whichever is sooner.
    private func scheduleIdleCheck(context: ChannelHandlerContext) {
        let remaining = lastLine + idle.timeout() - .now()
        let delay = max(.milliseconds(1), min(remaining, idle.longestCheck))
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            idleCheck = nil
            guard context.channel.isActive else { return }
            if !storing, NIODeadline.now() - lastLine >= idle.timeout() {
                ending(.timeout)
                closeWith(SMTPReply(421, "4.4.2", "Idle for too long, closing connection"), context: context)
            } else {
                scheduleIdleCheck(context: context)
            }
        }
    }

    private func closeWith(_ reply: SMTPReply, context: ChannelHandlerContext) {
        write(reply, context: context)
        context.flush()
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            ending(.shutdown)
            if storing {
                closeWhenStored = true
            } else {
                closeWith(SMTPReply(421, "4.3.2", "Shutting down, try again later"), context: context)
            }
            return
        }
        if case .handshakeCompleted = event as? TLSUserEvent, awaitingHandshake {
            awaitingHandshake = false
            session.tlsStarted()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("SMTP connection failed", metadata: ["error": "\(error)"])
        ending(.error)
        context.close(promise: nil)
    }

    private func perform(_ actions: [SMTPSession.Action], context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .reply(let reply):
                write(reply, context: context)
            case .deliver(let envelope):
                storing = true
                let intake = self.intake
                let client = client(context)
                context.eventLoop.makeFutureWithTask { try await intake(envelope, client) }
                    .hop(to: context.eventLoop)
                    .assumeIsolated()
                    .whenComplete { result in
                        let actions: [SMTPSession.Action]
                        switch result {
                        case .success(let id):
                            actions = self.session.delivered(id)
                        case .failure(let refusal as SMTPRefusal):
                            actions = self.session.refused(refusal.reply)
                        case .failure(let error):
                            self.logger.error("storing received mail failed", metadata: ["error": "\(error)"])
                            actions = self.session.delivered(nil)
                        }
                        self.resume(with: actions, context: context)
                    }
            case .authenticate(let username, let password):
                storing = true
                let authenticator = self.authenticator
                let peer = context.remoteAddress?.ipAddress
                context.eventLoop.makeFutureWithTask { await authenticator?(username, password, peer) ?? .refused }
                    .hop(to: context.eventLoop)
                    .assumeIsolated()
                    .whenSuccess { outcome in
                        self.resume(with: self.session.authenticated(outcome), context: context)
                    }
            case .checkRecipient(let recipient):
                storing = true
                let check = self.recipientCheck
                let client = client(context)
                context.eventLoop.makeFutureWithTask { await check?(recipient, client) }
                    .hop(to: context.eventLoop)
                    .assumeIsolated()
                    .whenSuccess { refusal in
                        self.resume(with: self.session.recipientChecked(refusal), context: context)
                    }
            case .startTLS:
                context.flush()
                startTLS(context: context)
                return
            case .close:
                ending(.quit)
                context.flush()
                context.close(promise: nil)
                return
            }
        }
        context.flush()
    }

    /// The 220 is out: TLS goes first in the pipeline, and a fresh line
    /// decoder replaces the one that may hold clear text sent after STARTTLS.
    private func startTLS(context: ChannelHandlerContext) {
        guard let tls else {
            ending(.error)
            context.close(promise: nil)
            return
        }
        awaitingHandshake = true
        held.removeAll()
        let operations = context.pipeline.syncOperations
        do {
            try operations.addHandler(NIOSSLServerHandler(context: tls), position: .first)
            operations.removeHandler(name: Lines.handlerName, promise: nil)
            try operations.addHandler(lines.makeDecoder(), name: Lines.secureHandlerName, position: .before(self))
        } catch {
            logger.error("starting TLS failed", metadata: ["error": "\(error)"])
            ending(.error)
            context.close(promise: nil)
        }
    }

    /// Who the client is: its address and what it authenticated as.
    private func client(_ context: ChannelHandlerContext) -> SMTPClient {
        SMTPClient(
            peer: context.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" }, identity: session.identity)
    }

    /// The message is stored or the credentials checked: the session's
    /// answer goes out, then the lines that waited.
    private func resume(with actions: [SMTPSession.Action], context: ChannelHandlerContext) {
        storing = false
        lastLine = .now()
        perform(actions, context: context)
        if closeWhenStored {
            held.removeAll()
            return closeWith(SMTPReply(421, "4.3.2", "Shutting down, try again later"), context: context)
        }
        while !storing, !held.isEmpty, context.channel.isActive {
            let line = held.removeFirst()
            perform(session.receive(line.bytes[...], truncated: line.truncated), context: context)
        }
    }

    /// The first reason to close is the one counted: a reset after QUIT is still a quit.
    private func ending(_ reason: SMTPSessionEnd) {
        if end == .disconnected { end = reason }
    }

    private func write(_ reply: SMTPReply, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(ByteBuffer(string: reply.wire)), promise: nil)
    }
}
