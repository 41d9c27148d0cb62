import Testing

@testable import RicochetMail

@Suite("SMTP session")
struct SMTPSessionTests {
    private func session(maximumBytes: Int = 1000, maximumRecipients: Int = 3, tls: Bool = false, errors: Int = 10)
        -> SMTPSession
    {
        var configuration = SMTPSession.Configuration(hostname: "bounces.example.com") {
            $0.hasSuffix("@bounces.example.com") && $0.hasPrefix("bounces+")
        }
        configuration.maximumMessageBytes = maximumBytes
        configuration.maximumRecipients = maximumRecipients
        configuration.startTLSAvailable = tls
        configuration.maximumErrors = errors
        return SMTPSession(configuration: configuration)
    }

    /// Sends `line` and returns the codes of the replies (and D for a
    /// delivery, T for STARTTLS, C for close).
    private func send(_ session: inout SMTPSession, _ line: String) -> [String] {
        session.receive(Array(line.utf8)[...]).map { action in
            switch action {
            case .reply(let reply): String(reply.code)
            case .deliver: "D"
            case .startTLS: "T"
            case .close: "C"
            case .authenticate: "A"
            case .checkRecipient: "R"
            }
        }
    }

    @Test("a bounce from the null sender: EHLO, MAIL, RCPT, DATA with dot-stuffing, stored, QUIT")
    func bounce() {
        var smtp = session()
        guard case .reply(let greeting) = smtp.greeting().first else { Issue.record("no greeting"); return }
        #expect(greeting.wire == "220 bounces.example.com ESMTP Ricochet\r\n")
        let ehlo = smtp.receive(Array("EHLO mx.example.org".utf8)[...])
        guard case .reply(let capabilities) = ehlo.first else { Issue.record("no EHLO reply"); return }
        #expect(capabilities.lines.contains("PIPELINING") && capabilities.lines.contains("ENHANCEDSTATUSCODES"))
        #expect(capabilities.lines.contains("SIZE 1000") && capabilities.lines.contains("8BITMIME"))
        #expect(!capabilities.lines.contains("STARTTLS"), "no certificate, no STARTTLS")
        #expect(capabilities.wire.hasPrefix("250-bounces.example.com\r\n250-PIPELINING\r\n"))
        #expect(send(&smtp, "MAIL FROM:<> BODY=8BITMIME") == ["250"])
        #expect(send(&smtp, "RCPT TO:<bounces+abc@bounces.example.com>") == ["250"])
        #expect(send(&smtp, "DATA") == ["354"])
        #expect(smtp.inData)
        for line in ["Subject: x", "", "..leading dot", "body"] { #expect(send(&smtp, line).isEmpty) }
        let end = smtp.receive(Array(".".utf8)[...])
        guard case .deliver(let envelope) = end.first else { Issue.record("no delivery"); return }
        #expect(envelope.mailFrom == "")
        #expect(envelope.helo == "mx.example.org")
        #expect(envelope.rcptTo == ["bounces+abc@bounces.example.com"])
        #expect(String(decoding: envelope.data, as: UTF8.self) == "Subject: x\r\n\r\n.leading dot\r\nbody\r\n")
        #expect(send(&smtp, "NOOP") == ["503"], "nothing is read while the message is being stored")
        guard case .reply(let stored) = smtp.delivered("bnc_1").first else { Issue.record("no answer"); return }
        #expect(stored.wire == "250 2.0.0 Ok: queued as bnc_1\r\n")
        #expect(send(&smtp, "QUIT") == ["221", "C"])
        #expect(smtp.isClosed)
    }

    @Test("refusals: order of commands, unknown return paths, too many recipients, syntax")
    func refusals() {
        var smtp = session(errors: 100)
        #expect(send(&smtp, "MAIL FROM:<a@example.org>") == ["503"], "EHLO first")
        #expect(send(&smtp, "HELO mx") == ["250"])
        #expect(send(&smtp, "RCPT TO:<bounces+x@bounces.example.com>") == ["503"], "MAIL first")
        #expect(send(&smtp, "DATA") == ["503"])
        #expect(send(&smtp, "MAIL FROM:<a@example.org") == ["501"])
        #expect(send(&smtp, "MAIL TO:<a@example.org>") == ["501"])
        #expect(send(&smtp, "MAIL FROM:a@example.org") == ["250"], "brackets forgiven")
        #expect(send(&smtp, "MAIL FROM:<a@example.org>") == ["503"], "nested MAIL")
        #expect(send(&smtp, "RCPT TO:<someone@example.org>") == ["550"], "another domain")
        #expect(send(&smtp, "RCPT TO:<>") == ["501"])
        #expect(send(&smtp, "DATA") == ["554"], "no valid recipient")
        for n in 0..<3 { #expect(send(&smtp, "RCPT TO:<bounces+\(n)@bounces.example.com>") == ["250"]) }
        #expect(send(&smtp, "RCPT TO:<bounces+4@bounces.example.com>") == ["452"])
        #expect(send(&smtp, "RSET") == ["250"])
        #expect(send(&smtp, "DATA") == ["503"], "RSET forgets the transaction")
        #expect(send(&smtp, "VRFY someone") == ["252"])
        #expect(send(&smtp, "EXPN list") == ["502"])
        #expect(send(&smtp, "FROB") == ["500"])
        #expect(send(&smtp, "EHLO") == ["501"])
        #expect(send(&smtp, "STARTTLS") == ["502"], "no certificate")
    }

    @Test("size: refused at MAIL when announced, and at the end of DATA when the message grows past it")
    func size() {
        var smtp = session(maximumBytes: 100)
        _ = send(&smtp, "EHLO mx")
        #expect(send(&smtp, "MAIL FROM:<> SIZE=101") == ["552"])
        #expect(send(&smtp, "MAIL FROM:<> SIZE=50") == ["250"])
        #expect(send(&smtp, "RCPT TO:<bounces+a@bounces.example.com>") == ["250"])
        #expect(send(&smtp, "DATA") == ["354"])
        for _ in 0..<10 { _ = send(&smtp, String(repeating: "x", count: 20)) }
        #expect(send(&smtp, ".") == ["552"])
        #expect(send(&smtp, "MAIL FROM:<>") == ["250"], "the session goes on after a refused message")
    }

    @Test("a message line cut short answers 500 5.5.2 at the end of DATA, stores nothing, and the session goes on")
    func longTextLine() {
        var smtp = session(maximumBytes: 100_000)
        _ = send(&smtp, "EHLO mx")
        #expect(send(&smtp, "MAIL FROM:<>") == ["250"])
        #expect(send(&smtp, "RCPT TO:<bounces+a@bounces.example.com>") == ["250"])
        #expect(send(&smtp, "DATA") == ["354"])
        _ = send(&smtp, "Subject: x")
        #expect(smtp.receive(Array("xxxx".utf8)[...], truncated: true).isEmpty)
        _ = send(&smtp, "more text")
        #expect(smtp.receive(Array(".".utf8)[...]) == [.reply(SMTPReply(500, "5.5.2", "Line too long"))])
        #expect(send(&smtp, "MAIL FROM:<>") == ["250"], "the session goes on after the refused message")
        #expect(send(&smtp, "RCPT TO:<bounces+a@bounces.example.com>") == ["250"])
        #expect(send(&smtp, "DATA") == ["354"])
        _ = send(&smtp, "Subject: y")
        #expect(send(&smtp, ".") == ["D"], "the next message is taken")
    }

    @Test("long lines and repeated errors close the connection with 421")
    func abuse() {
        var smtp = session()
        #expect(smtp.receive(Array(repeating: UInt8(ascii: "A"), count: 5000)[...]).count == 1)
        #expect(
            smtp.receive(Array("NOOP".utf8)[...], truncated: true)
                == [.reply(SMTPReply(500, "5.5.2", "Line too long"))])
        var last: [String] = []
        for _ in 0..<8 { last = send(&smtp, "BOGUS") }
        #expect(last == ["421", "C"])
        #expect(smtp.isClosed)
        #expect(send(&smtp, "NOOP").isEmpty)
    }

    @Test("STARTTLS when a certificate is configured; EHLO again afterwards, without it")
    func startTLS() {
        var smtp = session(tls: true)
        _ = send(&smtp, "EHLO mx")
        #expect(send(&smtp, "STARTTLS") == ["220", "T"])
        smtp.tlsStarted()
        #expect(send(&smtp, "MAIL FROM:<>") == ["503"], "EHLO again after TLS")
        let ehlo = smtp.receive(Array("EHLO mx".utf8)[...])
        guard case .reply(let reply) = ehlo.first else { Issue.record("no reply"); return }
        #expect(!reply.lines.contains("STARTTLS"))
        #expect(send(&smtp, "STARTTLS") == ["502"])
    }

    @Test("a message that could not be stored is answered 451, to be sent again")
    func storageFailure() {
        var smtp = session()
        for line in ["EHLO mx", "MAIL FROM:<>", "RCPT TO:<bounces+a@bounces.example.com>", "DATA", "x"] {
            _ = send(&smtp, line)
        }
        #expect(send(&smtp, ".") == ["D"])
        #expect(
            smtp.delivered(nil) == [.reply(SMTPReply(451, "4.3.0", "Could not store the message; try again later"))])
    }
}
