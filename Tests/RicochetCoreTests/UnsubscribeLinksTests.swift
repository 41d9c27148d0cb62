import Foundation
import Testing

@testable import RicochetCore

@Suite("UnsubscribeLinks")
struct UnsubscribeLinksTests {
    let secret = Array(repeating: UInt8(7), count: 32)

    @Test("the fields name the one-click URL and, with a mail domain, the mailto address; both carry one token")
    func fields() throws {
        let message = MessageID.generate()
        let links = UnsubscribeLinks(secret: secret, base: "https://r.example/", mailDomain: "bounces.example")
        let fields = links.fields(for: message)
        #expect(fields.map(\.name) == ["List-Unsubscribe", "List-Unsubscribe-Post"])
        #expect(fields[1].value == "List-Unsubscribe=One-Click")
        let token = links.codec.token(for: message)
        #expect(
            fields[0].value == "<https://r.example/u/\(token)>, <mailto:unsubscribe+\(token)@bounces.example>")
        #expect(links.codec.message(fromToken: token) == message)
        #expect(links.message(fromAddress: "Unsubscribe+\(token.uppercased())@Bounces.example") == message)
        let urlOnly = UnsubscribeLinks(secret: secret, base: "https://r.example", mailDomain: nil)
        #expect(urlOnly.fields(for: message)[0].value == "<https://r.example/u/\(token)>")
    }

    @Test("a forged, cut or foreign token names no message")
    func forged() {
        let message = MessageID.generate()
        let links = UnsubscribeLinks(secret: secret, base: "https://r.example", mailDomain: "b.example")
        let token = links.codec.token(for: message)
        var flipped = Array(token)
        flipped[flipped.count - 1] = flipped.last == "a" ? "b" : "a"
        #expect(links.codec.message(fromToken: String(flipped)) == nil)
        #expect(links.codec.message(fromToken: token.dropLast()) == nil)
        #expect(links.codec.message(fromToken: "") == nil)
        #expect(links.codec.message(fromToken: String(repeating: "a", count: 10_000)) == nil)
        let other = UnsubscribeLinks(secret: Array(repeating: 8, count: 32), base: "x", mailDomain: nil)
        #expect(other.codec.message(fromToken: token) == nil, "another installation's token")
        let returnPath = ReturnPathCodec(secret: secret).token(for: message)
        #expect(links.codec.message(fromToken: returnPath) == nil, "a return path's token is not an unsubscribe's")
        #expect(links.message(fromAddress: "bounces+\(token)@b.example") == nil)
        #expect(links.message(fromAddress: "unsubscribe+\(token)") == nil)
    }

    @Test("the unsubscribe event has the message's variables and how it was asked")
    func event() {
        let message = Message(
            id: .generate(), accountID: "acct_1", recipient: "jane@example.com", tags: ["may"], links: [],
            createdAt: Date())
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let event = Event.unsubscribe(
            Unsubscription(message: message.id, method: .oneClick, ip: "192.0.2.1", userAgent: "Mail", at: at),
            of: message)
        #expect(event.type == .unsubscribe && event.message == message.id)
        guard case .object(let variables) = event.variables else { return }
        #expect(
            Array(variables.keys) == [
                "id", "type", "timestamp", "time", "recipient", "method", "ip", "useragent", "tags", "event",
            ])
        #expect(variables["method"] == "one-click" && variables["timestamp"] == "2027-01-15 08:00:00")
    }
}
