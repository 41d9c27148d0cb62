import Testing

@testable import RicochetCore

@Suite("Message-ID headers")
struct MessageIDHeaderTests {
    @Test("read from a header value or a bare id; kept without brackets")
    func reading() {
        #expect(MessageIDHeader("<a.b@mail.example>")?.value == "a.b@mail.example")
        #expect(MessageIDHeader("a.b@mail.example")?.value == "a.b@mail.example")
        #expect(MessageIDHeader(" (sent by x)\r\n\t<x$1@[192.0.2.1]> ")?.value == "x$1@[192.0.2.1]")
        #expect(MessageIDHeader("<a.b@mail.example>")?.description == "<a.b@mail.example>")
    }

    @Test("refused: no @, two @, empty sides, spaces, controls, non-ASCII, unclosed, too long")
    func refusals() {
        for text in [
            "", "<>", "plain", "a@b@c", "@b", "a@", "<a b@c>", "a\u{7}@c", "jö@example.org", "<a@b",
            String(repeating: "a", count: 250) + "@b",
        ] {
            #expect(MessageIDHeader(text) == nil, "\(text.debugDescription)")
        }
    }

    @Test("an assigned id names the message on the bounce domain")
    func assigned() {
        let id = MessageID.generate()
        #expect(MessageIDHeader.assigned(to: id, domain: "bounces.example").description == "<\(id)@bounces.example>")
    }
}
