import Foundation
import NIOCore
import NIOSSL
import RicochetMail

/// One open, greeted, (TLS-secured and authenticated) connection to the
/// smarthost, sending one copy at a time: a transaction per copy, since each
/// copy has a return path of its own.
struct SmarthostSession: Sendable {
    /// The smarthost cannot take mail now (unreachable, refusing us, TLS or
    /// AUTH not as configured): every copy waits, none is at fault.
    struct Unavailable: Error, CustomStringConvertible {
        let reply: SMTPReply

        init(_ reason: String, reply: SMTPReply? = nil) {
            self.reply =
                reply.map { SMTPReply(code: $0.code, enhanced: $0.enhanced, lines: [reason + ": " + $0.text]) }
                ?? SMTPReply(451, "4.4.1", reason)
        }

        var description: String { reply.text }
    }

    /// Where in the transaction the smarthost answered for good.
    enum Stage: String, Sendable {
        case mailFrom = "mailfrom"
        case rcptTo = "rcptto"
        case data
    }

    /// How handing one copy over ended.
    enum Outcome: Sendable, Equatable {
        /// Taken: `notifies` says the smarthost promised DSNs (RFC 3461).
        case accepted(SMTPReply, notifies: Bool)
        /// A permanent (5xx) refusal.
        case refused(Stage, SMTPReply)
        /// A temporary (4xx) refusal; the session stays usable.
        case deferred(Stage, SMTPReply)
    }

    let connection: SMTPClientConnection
    let capabilities: SMTPCapabilities
    let smarthost: Smarthost
    let secure: Bool

    /// Connects, greets, starts TLS and authenticates as `smarthost` says.
    static func open(_ smarthost: Smarthost, hostname: String, tls: NIOSSLContext?) async throws(Unavailable)
        -> SmarthostSession
    {
        let connection: SMTPClientConnection
        let greeting: SMTPReply
        do {
            (connection, greeting) = try await SMTPClientConnection.connect(
                host: smarthost.host, port: smarthost.port, connectTimeout: smarthost.connectTimeout,
                greetingTimeout: smarthost.replyTimeout)
        } catch {
            throw Unavailable(
                "cannot connect to the smarthost \(smarthost.host):\(smarthost.port): "
                    + SMTPClientConnection.reason(error))
        }
        do {
            guard greeting.code == 220 else { throw Unavailable("the smarthost greeted", reply: greeting) }
            var capabilities = try await hello(connection, hostname: hostname, timeout: smarthost.replyTimeout)
            var secure = false
            if smarthost.tls != .none, capabilities.offers("STARTTLS"), let tls {
                let reply = try await connection.command("STARTTLS", timeout: smarthost.replyTimeout)
                guard reply.code == 220 else { throw Unavailable("the smarthost refused STARTTLS", reply: reply) }
                let name =
                    smarthost.tls == .required && (try? SocketAddress(ipAddress: smarthost.host, port: 0)) == nil
                    ? smarthost.host : nil
                try await connection.startTLS(tls, serverHostname: name, timeout: smarthost.replyTimeout)
                capabilities = try await hello(connection, hostname: hostname, timeout: smarthost.replyTimeout)
                secure = true
            } else if smarthost.tls == .required {
                throw Unavailable("the smarthost offers no STARTTLS, and --smarthost-tls is required")
            }
            if let credentials = smarthost.credentials {
                guard secure || smarthost.isLoopback else {
                    throw Unavailable("not sending the smarthost's password without TLS")
                }
                try await authenticate(
                    connection, credentials: credentials, offered: capabilities.authentication,
                    timeout: smarthost.replyTimeout)
            }
            return SmarthostSession(
                connection: connection, capabilities: capabilities, smarthost: smarthost, secure: secure)
        } catch let unavailable as Unavailable {
            await connection.quit()
            throw unavailable
        } catch {
            await connection.close()
            throw Unavailable("the smarthost \(smarthost.host):\(smarthost.port) failed: \(error)")
        }
    }

    /// EHLO, or HELO when EHLO is not understood.
    private static func hello(_ connection: SMTPClientConnection, hostname: String, timeout: TimeAmount)
        async throws -> SMTPCapabilities
    {
        let ehlo = try await connection.command("EHLO \(hostname)", timeout: timeout)
        if ehlo.code == 250 { return SMTPCapabilities(ehlo: ehlo) }
        let helo = try await connection.command("HELO \(hostname)", timeout: timeout)
        guard helo.code == 250 else { throw Unavailable("the smarthost refused HELO", reply: helo) }
        return SMTPCapabilities()
    }

    /// AUTH PLAIN, or LOGIN when only that is offered (RFC 4954).
    private static func authenticate(
        _ connection: SMTPClientConnection, credentials: Smarthost.Credentials, offered: Set<String>,
        timeout: TimeAmount
    ) async throws {
        let reply: SMTPReply
        if offered.contains("PLAIN") {
            let response = Data("\0\(credentials.username)\0\(credentials.password)".utf8).base64EncodedString()
            reply = try await connection.command("AUTH PLAIN \(response)", timeout: timeout)
        } else if offered.contains("LOGIN") {
            let replies = try await connection.send(
                [
                    "AUTH LOGIN", Data(credentials.username.utf8).base64EncodedString(),
                    Data(credentials.password.utf8).base64EncodedString(),
                ], timeout: timeout)
            reply = replies.first { $0.code != 334 } ?? replies[2]
        } else {
            throw Unavailable("the smarthost offers no AUTH PLAIN or LOGIN, and --smarthost-auth is set")
        }
        guard reply.code == 235 else { throw Unavailable("the smarthost refused our credentials", reply: reply) }
    }

    /// Hands one copy over: MAIL, RCPT and DATA pipelined when offered.
    /// Throws ``Unavailable`` when the connection broke (the copy waits).
    func send(returnPath: String, recipient: String, envelopeID: String, message: [UInt8]) async throws(Unavailable)
        -> Outcome
    {
        let dsn = capabilities.offers("DSN")
        var mail = "MAIL FROM:<\(returnPath)>"
        if capabilities.maximumSize != nil || capabilities.offers("SIZE") { mail += " SIZE=\(message.count)" }
        if capabilities.offers("8BITMIME"), SMTPClientText.hasEightBit(message) { mail += " BODY=8BITMIME" }
        if dsn { mail += " RET=HDRS ENVID=\(SMTPClientText.xtext(envelopeID))" }
        var rcpt = "RCPT TO:<\(recipient)>"
        if dsn { rcpt += " NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;\(SMTPClientText.xtext(recipient))" }
        let timeout = smarthost.replyTimeout
        do {
            let replies: [SMTPReply]
            if capabilities.offers("PIPELINING") {
                replies = try await connection.send([mail, rcpt, "DATA"], timeout: timeout)
            } else {
                var sent: [SMTPReply] = []
                for command in [mail, rcpt, "DATA"] {
                    let reply = try await connection.command(command, timeout: timeout)
                    sent.append(reply)
                    if !reply.isPositive { break }
                }
                replies = sent
            }
            let stages: [Stage] = [.mailFrom, .rcptTo, .data]
            for (stage, reply) in zip(stages, replies) where !reply.isPositive {
                // A 354 to a pipelined DATA after a refusal would take text: none is sent.
                if replies.count == 3, replies[2].code == 354 {
                    _ = try await connection.data([], timeout: smarthost.dataTimeout)
                }
                _ = try await connection.command("RSET", timeout: timeout)
                return reply.code >= 500 ? .refused(stage, reply) : .deferred(stage, reply)
            }
            guard replies.count == 3, replies[2].code == 354 else {
                throw Unavailable("the smarthost answered DATA with \(replies.last?.code ?? 0)")
            }
            let end = try await connection.data(message, timeout: smarthost.dataTimeout)
            guard end.isPositive else { return end.code >= 500 ? .refused(.data, end) : .deferred(.data, end) }
            return .accepted(end, notifies: dsn)
        } catch let unavailable as Unavailable {
            await connection.close()
            throw unavailable
        } catch {
            await connection.close()
            throw Unavailable("the connection to the smarthost broke: \(error)")
        }
    }

    var isUsable: Bool { connection.isActive }

    func close() async {
        await connection.quit()
    }
}
