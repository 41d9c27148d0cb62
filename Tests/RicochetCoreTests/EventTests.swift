import Foundation
import Testing

@testable import RicochetCore

@Suite("Machine detection")
struct MachineDetectorTests {
    static func hit(_ agent: String, ip: String = "198.51.100.1", head: Bool = false, after seconds: Double = 3600)
        -> MachineDetector.Hit
    {
        .init(isHead: head, userAgent: agent, ip: ip, secondsSinceSent: seconds)
    }

    @Test("people reading mail are not flagged")
    func people() {
        for agent in [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
            "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)", "Thunderbird/115.0",
        ] {
            #expect(MachineDetector.reason(for: Self.hit(agent)) == nil, "\(agent)")
        }
    }

    @Test(
        "machines are flagged with the reason",
        arguments: [
            (
                hit("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"),
                "gmail_image_proxy"
            ),
            (hit("Mozilla/5.0", ip: "17.58.1.2"), "apple_mail_privacy_protection"),
            (hit("Mozilla/5.0"), "apple_mail_privacy_protection"),
            (hit("Mozilla/5.0 (compatible; Barracuda Sentinel)"), "security_scanner"),
            (hit("Mozilla/5.0 (compatible; bingbot/2.0)"), "bot"),
            (hit("python-requests/2.31"), "http_library"),
            (hit(""), "no_user_agent"),
            (hit("Thunderbird/115.0", head: true), "head_request"),
            (hit("Thunderbird/115.0", after: 1.5), "too_soon_after_sending"),
        ])
    func machines(hit: MachineDetector.Hit, reason: String) {
        #expect(MachineDetector.reason(for: hit) == reason)
    }
}

@Suite("Return paths")
struct ReturnPathTests {
    let codec = ReturnPathCodec(secret: Array(repeating: 3, count: 32))

    @Test("the return path names the message, in any letter case, and nothing else")
    func roundTrip() {
        let id = MessageID.generate()
        let address = codec.address(for: id, local: "bounces", domain: "b.example")
        let token = String(address.dropFirst("bounces+".count).prefix { $0 != "@" })
        #expect(address.hasSuffix("@b.example"))
        #expect(token.count == 24)
        #expect(codec.message(fromToken: token) == id)
        #expect(codec.message(fromToken: token.uppercased()) == id)
        let other = ReturnPathCodec(secret: Array(repeating: 4, count: 32))
        #expect(other.message(fromToken: token) == nil)
        var tampered = Array(token)
        tampered[3] = tampered[3] == "a" ? "b" : "a"
        #expect(codec.message(fromToken: String(tampered)) == nil)
        #expect(codec.message(fromToken: "") == nil)
        #expect(codec.message(fromToken: "not a token at all!!!!!") == nil)
    }
}

@Suite("Event enrichment")
struct EventEnrichmentTests {
    @Test("a click carries the source documents' variables in order, with message and link tags")
    func clickVariables() throws {
        let id = MessageID.generate()
        let sent = Date(timeIntervalSince1970: 1_700_000_000)
        let message = Message(
            id: id, accountID: "acct_a", recipient: "jane@example.com", tags: ["may"],
            links: [TrackedLink(kind: .click, index: 0, url: "https://s.example/", tags: ["hero", "may"])],
            createdAt: sent)
        let hit = TrackingHit(
            kind: .click, message: id, linkIndex: 0, url: "https://s.example/", ip: "198.51.100.1",
            userAgent: "Thunderbird/115.0", referer: "", isHead: false, at: sent.addingTimeInterval(60))
        let event = Event.tracking(hit, of: message)
        guard case .object(let variables) = event.variables else {
            Issue.record("variables are not an object")
            return
        }
        #expect(
            Array(variables.keys) == [
                "id", "type", "timestamp", "time", "recipient", "ip", "original", "useragent", "referer", "tags",
                "event",
                "machine",
            ])
        #expect(variables["id"] == .string(id.description))
        #expect(variables["timestamp"] == "2023-11-14 22:14:20")
        #expect(variables["time"] == .integer(1_700_000_060))
        #expect(variables["tags"] == ["may", "hero"])
        #expect(variables["machine"] == false)
        #expect(event.type == .click)
        #expect(event.machineReason == nil)
    }
}

@Suite("Event ids")
struct EventIDTests {
    @Test("ids sort by time as text, and two made in the same millisecond differ")
    func ordered() {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        var previous = Event.newID(at: start)
        #expect(previous.utf8.count == 24 && previous.hasPrefix("evt_"))
        for step: TimeInterval in [0.001, 0.031, 1, 86400, 86400 * 365 * 30] {
            let next = Event.newID(at: start.addingTimeInterval(step))
            #expect(next > previous, "\(next) after \(previous)")
            previous = next
        }
        #expect(Event.newID(at: start) != Event.newID(at: start))
    }
}
