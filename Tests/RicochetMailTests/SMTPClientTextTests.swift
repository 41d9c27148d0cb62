import Testing

@testable import RicochetMail

@Suite("SMTP client: replies, capabilities and DATA text")
struct SMTPClientTextTests {
    func read(_ lines: [String]) throws -> [SMTPReply] {
        var reader = SMTPReplyReader()
        return try lines.compactMap { line throws(SMTPReplyReader.Problem) in try reader.read(Array(line.utf8)) }
    }

    @Test("multi-line replies end at the line with a space; enhanced codes are taken apart")
    func multiLine() throws {
        let replies = try read([
            "250-mx.example.com Hello", "250-PIPELINING", "250-SIZE 10240000", "250-AUTH PLAIN LOGIN", "250 DSN",
            "550 5.1.1 <bob@example.com>: Recipient address rejected", "354 End data with <CR><LF>.<CR><LF>",
            "250-2.0.0 first", "250 2.0.0 Ok: queued as 4Xk", "421",
        ])
        #expect(replies.count == 5)
        #expect(replies[0].code == 250 && replies[0].lines.count == 5 && replies[0].enhanced == nil)
        #expect(replies[1] == SMTPReply(550, "5.1.1", "<bob@example.com>: Recipient address rejected"))
        #expect(replies[2].code == 354 && replies[2].enhanced == nil)
        #expect(replies[3] == SMTPReply(code: 250, enhanced: "2.0.0", lines: ["first", "Ok: queued as 4Xk"]))
        #expect(replies[4] == SMTPReply(code: 421, enhanced: nil, lines: [""]))
        let capabilities = SMTPCapabilities(ehlo: replies[0])
        #expect(capabilities.offers("pipelining") && capabilities.offers("DSN") && !capabilities.offers("STARTTLS"))
        #expect(capabilities.authentication == ["PLAIN", "LOGIN"])
        #expect(capabilities.maximumSize == 10_240_000)
    }

    @Test("an enhanced code of another class than the reply's is text")
    func mismatchedEnhanced() throws {
        #expect(try read(["550 2.0.0 odd"]) == [SMTPReply(550, nil, "2.0.0 odd")])
        #expect(try read(["250 1.2.3.4 is an address"]) == [SMTPReply(250, nil, "1.2.3.4 is an address")])
    }

    @Test(
        "what is not a reply is refused",
        arguments: ["HTTP/1.1 400 Bad Request", "25", "2500 Ok", "099 x", "250x", "", "600 no"])
    func notReplies(line: String) {
        var reader = SMTPReplyReader()
        #expect(throws: SMTPReplyReader.Problem.self) { try reader.read(Array(line.utf8)) }
    }

    @Test("lines of one reply must share their code, and a reply its lines are bounded")
    func inconsistent() {
        var reader = SMTPReplyReader()
        #expect(throws: SMTPReplyReader.Problem.self) {
            _ = try reader.read(Array("250-a".utf8))
            _ = try reader.read(Array("251 b".utf8))
        }
        var long = SMTPReplyReader()
        #expect(throws: SMTPReplyReader.Problem.self) {
            for _ in 0...SMTPReplyReader.maximumLines { _ = try long.read(Array("250-x".utf8)) }
        }
    }

    @Test("DATA text: CRLF lines, leading dots doubled, bare line ends made CRLF, the final dot")
    func data() {
        func data(_ text: String) -> String { String(decoding: SMTPClientText.data(Array(text.utf8)), as: UTF8.self) }
        #expect(data("a\r\n.b\r\n..\r\n") == "a\r\n..b\r\n...\r\n.\r\n")
        #expect(data("a\nb\rc") == "a\r\nb\r\nc\r\n.\r\n")
        #expect(data(".") == "..\r\n.\r\n")
        #expect(data("") == ".\r\n")
        #expect(data("x.\r\n.") == "x.\r\n..\r\n.\r\n")
    }

    @Test("xtext (RFC 3461) keeps printable ASCII but + and =")
    func xtext() {
        #expect(SMTPClientText.xtext("bob@example.com") == "bob@example.com")
        #expect(SMTPClientText.xtext("a+b=c d") == "a+2Bb+3Dc+20d")
        #expect(SMTPClientText.xtext("é") == "+C3+A9")
    }

    @Test(
        "the From domain a copy is signed for",
        arguments: [
            ("Alice <alice@Example.COM>", "example.com"), ("alice@example.com", "example.com"),
            ("alice@example.com (Alice)", "example.com"), ("\"a@b\" <x@news.example.org>", "news.example.org"),
            ("a@one.example, b@two.example", "one.example"), ("undisclosed", nil), ("x <x@bad domain>", nil),
        ] as [(String, String?)])
    func fromDomain(field: String, domain: String?) {
        #expect(SubmittedMessage.domain(ofAddressIn: field) == domain)
    }
}
