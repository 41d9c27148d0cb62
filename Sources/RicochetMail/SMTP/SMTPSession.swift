/// The server side of one SMTP conversation (RFC 5321) as a value: lines in,
/// actions out. No sockets and no clock — the connection handler feeds it
/// lines, sends its replies, stores what it hands over for delivery and
/// tells it the outcome; the idle timer and the connection count live
/// there too.
///
/// ESMTP extensions: PIPELINING (commands are answered in order, a
/// pipelined DATA after refused recipients is refused), 8BITMIME, SIZE,
/// ENHANCEDSTATUSCODES, and STARTTLS when the server has a certificate.
/// With a ``Configuration/submission`` policy it is a submission server
/// (RFC 6409): AUTH PLAIN and LOGIN (RFC 4954), and no mail before it.
public struct SMTPSession: Sendable {
    public struct Configuration: Sendable {
        /// The name the server gives itself in the greeting and EHLO reply.
        public var hostname: String
        public var maximumMessageBytes = 10 * 1024 * 1024
        public var maximumRecipients = 100
        /// Longest command line accepted (RFC 5321 asks for 512 at least).
        public var maximumCommandLength = 2048
        /// Bad commands after which the connection is closed.
        public var maximumErrors = 10
        public var startTLSAvailable = false
        /// Set for the submission listener: mail is taken only from a client
        /// that authenticated.
        public var submission: Submission?
        /// Whether mail to this address is accepted here (a return path of
        /// this installation, on its bounce domain).
        public var acceptsRecipient: @Sendable (String) -> Bool
        /// Set where a recipient the syntax accepts is still to be checked
        /// elsewhere (the relay's suppression list): each RCPT then waits
        /// for ``SMTPSession/recipientChecked(_:)``.
        public var checksRecipients = false

        public init(hostname: String, acceptsRecipient: @escaping @Sendable (String) -> Bool) {
            self.hostname = hostname
            self.acceptsRecipient = acceptsRecipient
        }
    }

    /// The submission listener's rules.
    public struct Submission: Sendable {
        /// Whether AUTH is offered without TLS (for local development only:
        /// the key then crosses the network in the clear).
        public var authenticationInClear: Bool

        public init(authenticationInClear: Bool = false) {
            self.authenticationInClear = authenticationInClear
        }
    }

    /// What the connection handler is to do, in order.
    public enum Action: Sendable, Equatable {
        case reply(SMTPReply)
        /// Store the message durably, then call ``delivered(_:)``; read no
        /// further line until then.
        case deliver(SMTPEnvelope)
        /// Answer, then start TLS on the connection before reading on.
        case startTLS
        /// Check the credentials, then call ``authenticated(_:)``; read no
        /// further line until then.
        case authenticate(username: String, password: String)
        /// Check the recipient, then call ``recipientChecked(_:)``; read no
        /// further line until then.
        case checkRecipient(String)
        case close
    }

    enum State: Sendable {
        /// No EHLO/HELO yet.
        case connected
        case ready
        case mail(SMTPEnvelope)
        /// Reading message text; `lineTooLong` once a line was cut short.
        case data(SMTPEnvelope, size: Int, lineTooLong: Bool)
        /// Waiting for the message to be stored.
        case delivering
        /// Reading the client's answer to a 334 challenge.
        case authenticating(AuthenticationStep)
        /// Waiting for the credentials to be checked.
        case checkingCredentials
        /// Waiting for a recipient to be checked.
        case checkingRecipient(SMTPEnvelope, String)
        case closed
    }

    public let configuration: Configuration
    var state = State.connected
    var helo: String?
    var errors = 0
    /// Who the client authenticated as (what the handler said it is).
    public internal(set) var identity: String?
    /// Set once TLS is on: STARTTLS is not offered again.
    public private(set) var secure = false

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Whether lines are message text (DATA) rather than commands.
    public var inData: Bool {
        if case .data = state { return true }
        return false
    }

    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// The greeting, sent when the connection opens.
    public func greeting() -> [Action] {
        let kind = configuration.submission == nil ? "" : " submission"
        return [.reply(SMTPReply(220, nil, "\(configuration.hostname) ESMTP Ricochet\(kind)"))]
    }

    /// One line from the client, without its line end. `truncated` says it
    /// was longer than the connection handler keeps (the rest was dropped).
    public mutating func receive(_ line: ArraySlice<UInt8>, truncated: Bool = false) -> [Action] {
        switch state {
        case .data(var envelope, let size, let lineTooLong):
            if line.count == 1, line.first == UInt8(ascii: ".") {
                state = .ready
                // A text line longer than the handler keeps (RFC 5321 §4.5.3.1.6):
                // the message cannot be taken whole, the session goes on.
                if lineTooLong { return [.reply(SMTPReply(500, "5.5.2", "Line too long"))] }
                guard size <= configuration.maximumMessageBytes else {
                    return [.reply(SMTPReply(552, "5.3.4", "Message too big for this system"))]
                }
                state = .delivering
                return [.deliver(envelope)]
            }
            // Dot-stuffing (RFC 5321 4.5.2): a leading dot was doubled.
            let text = line.first == UInt8(ascii: ".") ? line.dropFirst() : line
            let newSize = size + text.count + 2
            if newSize <= configuration.maximumMessageBytes, !lineTooLong, !truncated {
                envelope.data += text
                envelope.data += [13, 10]
            }
            state = .data(envelope, size: newSize, lineTooLong: lineTooLong || truncated)
            return []
        case .delivering, .checkingCredentials, .checkingRecipient:
            // The handler holds lines while a message is being stored or
            // credentials checked; one that comes anyway is out of sequence.
            return refuse(SMTPReply(503, "5.5.1", "Wait for the answer to the last command"))
        case .authenticating(let step):
            guard !truncated, line.count <= configuration.maximumCommandLength else {
                state = .ready
                return refuse(SMTPReply(500, "5.5.6", "Authentication exchange line is too long"))
            }
            return continueAuthentication(step, with: line)
        case .closed:
            return []
        case .connected, .ready, .mail:
            if truncated || line.count > configuration.maximumCommandLength {
                return refuse(SMTPReply(500, "5.5.2", "Line too long"))
            }
            return command(SMTPCommandLine(line))
        }
    }

    /// The outcome of a ``Action/deliver(_:)``: the id it was stored under,
    /// or nil when it could not be stored.
    public mutating func delivered(_ id: String?) -> [Action] {
        guard case .delivering = state else { return [] }
        state = .ready
        guard let id else {
            return [.reply(SMTPReply(451, "4.3.0", "Could not store the message; try again later"))]
        }
        return [.reply(SMTPReply(250, "2.0.0", "Ok: queued as \(id)"))]
    }

    /// The outcome of a ``Action/checkRecipient(_:)``: nil takes the
    /// recipient, a reply refuses it (the transaction goes on, as after any
    /// refused RCPT; it is not counted as a client's error).
    public mutating func recipientChecked(_ refusal: SMTPReply?) -> [Action] {
        guard case .checkingRecipient(var envelope, let path) = state else { return [] }
        if let refusal {
            state = .mail(envelope)
            return [.reply(refusal)]
        }
        envelope.rcptTo.append(path)
        state = .mail(envelope)
        return [.reply(SMTPReply(250, "2.1.5", "Ok"))]
    }

    /// A ``Action/deliver(_:)`` the intake refused (mail it will not take,
    /// as opposed to one it could not store): its reply goes out, the
    /// session goes on.
    public mutating func refused(_ reply: SMTPReply) -> [Action] {
        guard case .delivering = state else { return [] }
        state = .ready
        return [.reply(reply)]
    }

    /// TLS is up: the client starts over with EHLO (RFC 3207).
    public mutating func tlsStarted() {
        secure = true
        state = .connected
        helo = nil
        identity = nil
    }

    private mutating func command(_ line: SMTPCommandLine) -> [Action] {
        switch line.verb {
        case "EHLO", "HELO":
            guard !line.argument.isEmpty else {
                return refuse(SMTPReply(501, "5.5.4", "Syntax: \(line.verb) hostname"))
            }
            helo = line.argument
            state = .ready
            guard line.verb == "EHLO" else {
                return [.reply(SMTPReply(250, nil, configuration.hostname))]
            }
            var lines = [
                configuration.hostname, "PIPELINING", "8BITMIME", "SIZE \(configuration.maximumMessageBytes)",
                "ENHANCEDSTATUSCODES",
            ]
            if configuration.startTLSAvailable, !secure { lines.append("STARTTLS") }
            if offersAuthentication { lines.append("AUTH PLAIN LOGIN") }
            return [.reply(SMTPReply(code: 250, enhanced: nil, lines: lines))]
        case "MAIL":
            guard case .ready = state, let helo else {
                return refuse(
                    SMTPReply(503, "5.5.1", helo == nil ? "Send EHLO or HELO first" : "Nested MAIL command"))
            }
            if configuration.submission != nil, identity == nil {
                return refuse(SMTPReply(530, "5.7.0", "Authentication required"))
            }
            guard let path = line.path(after: "FROM:") else {
                return refuse(SMTPReply(501, "5.5.4", "Syntax: MAIL FROM:<address>"))
            }
            if let size = line.parameter("SIZE").flatMap(Int.init), size > configuration.maximumMessageBytes {
                return [.reply(SMTPReply(552, "5.3.4", "Message size exceeds the limit of this system"))]
            }
            state = .mail(SMTPEnvelope(helo: helo, mailFrom: path, rcptTo: [], data: []))
            return [.reply(SMTPReply(250, "2.1.0", "Ok"))]
        case "RCPT":
            guard case .mail(var envelope) = state else {
                return refuse(SMTPReply(503, "5.5.1", "Send MAIL first"))
            }
            guard let path = line.path(after: "TO:"), !path.isEmpty else {
                return refuse(SMTPReply(501, "5.5.4", "Syntax: RCPT TO:<address>"))
            }
            guard envelope.rcptTo.count < configuration.maximumRecipients else {
                return [.reply(SMTPReply(452, "4.5.3", "Too many recipients"))]
            }
            guard configuration.acceptsRecipient(path) else {
                return [.reply(SMTPReply(550, "5.1.1", "No such return path here"))]
            }
            if configuration.checksRecipients {
                state = .checkingRecipient(envelope, path)
                return [.checkRecipient(path)]
            }
            envelope.rcptTo.append(path)
            state = .mail(envelope)
            return [.reply(SMTPReply(250, "2.1.5", "Ok"))]
        case "DATA":
            guard case .mail(let envelope) = state else {
                return refuse(SMTPReply(503, "5.5.1", "Send MAIL first"))
            }
            guard !envelope.rcptTo.isEmpty else {
                return [.reply(SMTPReply(554, "5.5.1", "No valid recipients"))]
            }
            state = .data(envelope, size: 0, lineTooLong: false)
            return [.reply(SMTPReply(354, nil, "End data with <CR><LF>.<CR><LF>"))]
        case "RSET":
            if case .mail = state { state = .ready }
            return [.reply(SMTPReply(250, "2.0.0", "Ok"))]
        case "NOOP":
            return [.reply(SMTPReply(250, "2.0.0", "Ok"))]
        case "VRFY":
            return [.reply(SMTPReply(252, "2.5.0", "Cannot VRFY a user, but will accept mail for a return path"))]
        case "QUIT":
            state = .closed
            return [.reply(SMTPReply(221, "2.0.0", "Bye")), .close]
        case "STARTTLS":
            guard configuration.startTLSAvailable, !secure else {
                return refuse(SMTPReply(502, "5.5.1", "STARTTLS not available"))
            }
            guard line.argument.isEmpty else { return refuse(SMTPReply(501, "5.5.4", "Syntax: STARTTLS")) }
            return [.reply(SMTPReply(220, "2.0.0", "Ready to start TLS")), .startTLS]
        case "AUTH":
            return authenticate(line)
        case "HELP":
            let text =
                configuration.submission == nil
                ? "Ricochet takes bounces for its return paths"
                : "Ricochet relays mail for its accounts: AUTH with username apikey and an API key"
            return [.reply(SMTPReply(214, "2.0.0", text))]
        case "EXPN", "TURN", "ETRN", "BDAT":
            return refuse(SMTPReply(502, "5.5.1", "Command not implemented"))
        default:
            return refuse(SMTPReply(500, "5.5.2", "Command not recognized"))
        }
    }

    /// A refusal counts towards the error limit; past it, the connection closes.
    mutating func refuse(_ reply: SMTPReply) -> [Action] {
        errors += 1
        guard errors < configuration.maximumErrors else {
            state = .closed
            return [.reply(SMTPReply(421, "4.7.0", "Too many errors, closing connection")), .close]
        }
        return [.reply(reply)]
    }
}

/// Why an intake would not take a message: the reply that says so.
public struct SMTPRefusal: Error, Sendable, Equatable {
    public let reply: SMTPReply

    public init(_ reply: SMTPReply) {
        self.reply = reply
    }
}

/// Who handed a message over: the client's address (`ip:port`) and, on the
/// submission listener, the identity it authenticated as.
public struct SMTPClient: Sendable, Equatable {
    public var peer: String?
    public var identity: String?

    public init(peer: String?, identity: String? = nil) {
        self.peer = peer
        self.identity = identity
    }
}

/// What a client handed over: who it is, the envelope and the message.
public struct SMTPEnvelope: Sendable, Equatable {
    public var helo: String
    /// The reverse path; empty for the null sender `<>` (as bounces come).
    public var mailFrom: String
    public var rcptTo: [String]
    /// The message, dot-unstuffed, lines ending CRLF.
    public var data: [UInt8]

    public init(helo: String, mailFrom: String, rcptTo: [String], data: [UInt8]) {
        self.helo = helo
        self.mailFrom = mailFrom
        self.rcptTo = rcptTo
        self.data = data
    }
}
