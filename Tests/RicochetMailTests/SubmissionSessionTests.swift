import Foundation
import Testing

@testable import RicochetMail

@Suite("SMTP submission session")
struct SubmissionSessionTests {
    func session(inClear: Bool = false, tls: Bool = true) -> SMTPSession {
        var configuration = SMTPSession.Configuration(hostname: "relay.example.com") { _ in true }
        configuration.submission = SMTPSession.Submission(authenticationInClear: inClear)
        configuration.startTLSAvailable = tls
        configuration.maximumRecipients = 1000
        return SMTPSession(configuration: configuration)
    }

    /// The replies' code and first line, "A user/password" for a check asked.
    func send(_ session: inout SMTPSession, _ line: String) -> [String] {
        session.receive(Array(line.utf8)[...]).map(Self.describe)
    }

    static func describe(_ action: SMTPSession.Action) -> String {
        switch action {
        case .reply(let reply): "\(reply.code) \(reply.lines.first ?? "")"
        case .authenticate(let username, let password): "A \(username)/\(password)"
        case .checkRecipient(let recipient): "R \(recipient)"
        case .deliver: "D"
        case .startTLS: "T"
        case .close: "C"
        }
    }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    func ehlo(_ session: inout SMTPSession) -> [String] {
        guard case .reply(let reply) = session.receive(Array("EHLO app.example".utf8)[...]).first else { return [] }
        return reply.lines
    }

    @Test("AUTH is offered only under TLS; before it, MAIL is 530 and AUTH 538")
    func onlyUnderTLS() {
        var smtp = session()
        guard case .reply(let greeting) = smtp.greeting().first else { return }
        #expect(greeting.wire == "220 relay.example.com ESMTP Ricochet submission\r\n")
        #expect(!ehlo(&smtp).contains("AUTH PLAIN LOGIN") && ehlo(&smtp).contains("STARTTLS"))
        #expect(send(&smtp, "MAIL FROM:<app@shop.example>") == ["530 Authentication required"])
        #expect(
            send(&smtp, "AUTH PLAIN \(Self.base64("\0apikey\0rk_x"))") == [
                "538 Encryption required: send STARTTLS first"
            ])
        smtp.tlsStarted()
        #expect(ehlo(&smtp).contains("AUTH PLAIN LOGIN") && !ehlo(&smtp).contains("STARTTLS"))
        var clear = session(inClear: true, tls: false)
        #expect(ehlo(&clear).contains("AUTH PLAIN LOGIN"), "allowed in the clear when the policy says so")
    }

    @Test("AUTH PLAIN with an initial response, then mail for many recipients")
    func plain() {
        var smtp = session()
        smtp.tlsStarted()
        _ = ehlo(&smtp)
        #expect(send(&smtp, "AUTH PLAIN \(Self.base64("\0apikey\0rk_secret"))") == ["A apikey/rk_secret"])
        #expect(send(&smtp, "NOOP") == ["503 Wait for the answer to the last command"], "lines wait for the check")
        #expect(
            smtp.authenticated(.accepted(identity: "acc_1")).map(Self.describe) == ["235 Authentication successful"])
        #expect(smtp.identity == "acc_1")
        #expect(send(&smtp, "AUTH PLAIN \(Self.base64("\0apikey\0rk_secret"))") == ["503 Already authenticated"])
        #expect(send(&smtp, "MAIL FROM:<app@shop.example> SIZE=100") == ["250 Ok"])
        for index in 0..<1000 { #expect(send(&smtp, "RCPT TO:<r\(index)@example.com>") == ["250 Ok"]) }
        #expect(send(&smtp, "RCPT TO:<one-too-many@example.com>") == ["452 Too many recipients"])
        #expect(send(&smtp, "DATA") == ["354 End data with <CR><LF>.<CR><LF>"])
        var again = session()
        again.tlsStarted()
        _ = ehlo(&again)
        _ = send(&again, "AUTH PLAIN \(Self.base64("\0apikey\0k"))")
        _ = again.authenticated(.accepted(identity: "acc_1"))
        again.tlsStarted()
        #expect(again.identity == nil, "a new TLS session starts unauthenticated")
    }

    @Test(
        "with recipients checked, each RCPT waits for its check; a refused one is answered and left out, not counted as an error"
    )
    func checkedRecipients() {
        var configuration = SMTPSession.Configuration(hostname: "relay.example.com") { _ in true }
        configuration.submission = SMTPSession.Submission(authenticationInClear: true)
        configuration.checksRecipients = true
        configuration.maximumErrors = 2
        var smtp = SMTPSession(configuration: configuration)
        _ = ehlo(&smtp)
        _ = send(&smtp, "AUTH PLAIN \(Self.base64("\0apikey\0rk_secret"))")
        _ = smtp.authenticated(.accepted(identity: "acc_1"))
        #expect(send(&smtp, "MAIL FROM:<app@shop.example>") == ["250 Ok"])
        #expect(send(&smtp, "RCPT TO:<gone@example.org>") == ["R gone@example.org"])
        #expect(send(&smtp, "DATA") == ["503 Wait for the answer to the last command"], "lines wait for the check")
        let refusal = SMTPReply(550, "5.7.1", "gone@example.org is on the suppression list")
        #expect(
            smtp.recipientChecked(refusal).map(Self.describe) == ["550 gone@example.org is on the suppression list"])
        for index in 0..<3 {
            #expect(send(&smtp, "RCPT TO:<gone\(index)@example.org>") == ["R gone\(index)@example.org"])
            #expect(smtp.recipientChecked(refusal).count == 1, "refusals do not close the session")
        }
        #expect(send(&smtp, "DATA") == ["554 No valid recipients"])
        #expect(send(&smtp, "RCPT TO:<jane@example.com>") == ["R jane@example.com"])
        #expect(smtp.recipientChecked(nil).map(Self.describe) == ["250 Ok"])
        #expect(smtp.recipientChecked(nil).isEmpty, "an answer nobody asked for changes nothing")
        #expect(send(&smtp, "DATA") == ["354 End data with <CR><LF>.<CR><LF>"])
        _ = send(&smtp, "Subject: hi")
        guard case .deliver(let envelope)? = smtp.receive(Array(".".utf8)[...]).first else {
            Issue.record("no delivery")
            return
        }
        #expect(envelope.rcptTo == ["jane@example.com"], "only the recipient taken")
    }

    @Test("AUTH PLAIN and LOGIN with challenges; a wrong key is 535, cancelling is 501, a lockout closes")
    func challenges() {
        var smtp = session()
        smtp.tlsStarted()
        _ = ehlo(&smtp)
        #expect(send(&smtp, "AUTH PLAIN") == ["334 "])
        #expect(send(&smtp, Self.base64("apikey\0apikey\0wrong")) == ["A apikey/wrong"])
        #expect(smtp.authenticated(.refused).map(Self.describe) == ["535 Authentication credentials invalid"])
        #expect(smtp.identity == nil)
        #expect(send(&smtp, "AUTH LOGIN") == ["334 VXNlcm5hbWU6"])
        #expect(send(&smtp, "*") == ["501 Authentication cancelled"])
        #expect(send(&smtp, "AUTH LOGIN \(Self.base64("apikey"))") == ["334 UGFzc3dvcmQ6"])
        #expect(send(&smtp, Self.base64("rk_again")) == ["A apikey/rk_again"])
        #expect(
            smtp.authenticated(.lockedOut).map(Self.describe) == [
                "454 Too many failed authentications; try again later", "C",
            ])
        #expect(smtp.isClosed)
    }

    @Test(
        "malformed responses and mechanisms are refused",
        arguments: [
            ("AUTH PLAIN !!!", "501 Cannot decode the response (base64 of UTF-8 expected)"),
            ("AUTH PLAIN \(base64("only-one-piece"))", "501 Malformed PLAIN response"),
            ("AUTH PLAIN \(base64("other\0apikey\0key"))", "501 Malformed PLAIN response"),
            ("AUTH CRAM-MD5", "504 Unrecognized authentication mechanism; use PLAIN or LOGIN"),
            ("AUTH", "501 Syntax: AUTH PLAIN|LOGIN [initial-response]"),
        ])
    func malformed(_ line: String, _ reply: String) {
        var smtp = session()
        smtp.tlsStarted()
        _ = ehlo(&smtp)
        #expect(send(&smtp, line) == [reply])
        #expect(smtp.identity == nil)
    }

    @Test("the receiver has no AUTH at all, and bounces need none")
    func receiverHasNoAuth() {
        var receiver = SMTPSession(configuration: SMTPSession.Configuration(hostname: "b.example") { _ in true })
        _ = ehlo(&receiver)
        #expect(send(&receiver, "AUTH PLAIN \(Self.base64("\0a\0b"))") == ["502 Command not implemented"])
        #expect(send(&receiver, "MAIL FROM:<>") == ["250 Ok"], "bounces need no AUTH")
    }
}
