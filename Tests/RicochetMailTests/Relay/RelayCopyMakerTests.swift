import Foundation
import RicochetCore
import Testing

@testable import RicochetMail

@Suite("Relay copies per tracking mode")
struct RelayCopyMakerTests {
    static let message = RelayFixture.mail(
        """
        From: news@shop.example
        To: jane@example.com
        Subject: Sale
        X-Ricochet-Track: TRACK
        X-Ricochet-Message: msg_forged
        Content-Type: multipart/alternative; boundary=b

        --b
        Content-Type: text/plain

        Go to https://shop.example/plain
        --b
        Content-Type: text/html

        <p><a href="https://shop.example/html">sale</a><img src="https://cdn.shop.example/a.png"></p>
        --b--
        """)

    func copy(_ track: String, extra: String = "") throws -> (text: String, links: [TrackedLink]) {
        let bytes = Self.message.replacing(Array("TRACK".utf8), with: Array(track.utf8))
        let submitted = try SubmittedMessage(Array(extra.utf8) + bytes)
        let id = MessageID.generate()
        let copy = try RelayCopyMaker.copy(
            of: submitted, steering: try RelaySteering(submitted), messageID: id,
            assignedHeader: .assigned(to: id, domain: "bounces.example"),
            date: Date(timeIntervalSince1970: 1_796_205_600),
            tracking: .init(
                url: { "https://t.example/\($0.kind == .click ? "c" : "i")/\($0.index)" },
                pixelURL: "https://t.example/o"))
        return (String(decoding: copy.bytes, as: UTF8.self), copy.links)
    }

    @Test("all: links, images and the pixel tracked; steering and forged ids gone; Message-ID and Date added")
    func all() throws {
        let (text, links) = try copy("all")
        #expect(text.contains("Go to https://t.example/c/0") && text.contains(#"<a href="https://t.example/c/1">"#))
        #expect(text.contains(#"<img src="https://t.example/i/2">"#) && text.contains(#"src="https://t.example/o""#))
        #expect(
            links.map(\.url) == [
                "https://shop.example/plain", "https://shop.example/html", "https://cdn.shop.example/a.png",
            ])
        #expect(!text.contains("X-Ricochet-Track") && !text.contains("msg_forged"))
        #expect(text.contains("\r\nX-Ricochet-Message: msg_") && text.contains("\r\nMessage-ID: <msg_"))
        #expect(text.contains("\r\nDate: Wed, 02 Dec 2026 10:00:00 +0000\r\n"))
        let kept = try copy("all", extra: "Message-ID: <own@shop.example>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\n")
            .text
        #expect(kept.contains("Message-ID: <own@shop.example>") && !kept.contains("Message-ID: <msg_"))
        #expect(kept.components(separatedBy: "\r\nDate: ").count == 2, "the application's Date stays, alone")
    }

    @Test("off: every body goes out as sent, only the header changes")
    func off() throws {
        let (text, links) = try copy("off")
        #expect(links.isEmpty && text.contains("Go to https://shop.example/plain"))
        #expect(
            text.contains(
                #"<a href="https://shop.example/html">sale</a><img src="https://cdn.shop.example/a.png"></p>"#))
        #expect(text.contains("X-Ricochet-Message: msg_") && !text.contains("t.example"))
    }

    @Test("opens: images and the pixel, links as they were; clicks: links, no pixel, images as they were")
    func opensAndClicks() throws {
        let opens = try copy("opens").text
        #expect(
            opens.contains("Go to https://shop.example/plain") && opens.contains(#"href="https://shop.example/html""#))
        #expect(opens.contains(#"<img src="https://t.example/i/"#) && opens.contains(#"src="https://t.example/o""#))
        let clicks = try copy("clicks").text
        #expect(clicks.contains("Go to https://t.example/c/0") && clicks.contains(#"href="https://t.example/c/1""#))
        #expect(clicks.contains(#"<img src="https://cdn.shop.example/a.png">"#) && !clicks.contains("t.example/o"))
    }

    @Test("the Date a copy gets is what DateFormatter writes, for dates from 1901 to 2199")
    func dateField() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        var generator = SystemRandomNumberGenerator()
        let fixed: [TimeInterval] = [0, -1, 86399, 86400, 951_782_400, 4_107_542_399, -2_177_452_800, 1_796_212_800.75]
        let random = (0..<2000).map { _ in
            TimeInterval(Int64.random(in: -2_177_452_800...7_258_118_399, using: &generator))
        }
        for seconds in fixed + random {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(RelayCopyMaker.rfc5322(date) == formatter.string(from: date), "\(seconds)")
        }
    }
}

@Suite("List-Unsubscribe in relay copies")
struct RelayUnsubscribeTests {
    static let fields = [
        (name: "List-Unsubscribe", value: "<https://r.example/u/tok>, <mailto:unsubscribe+tok@bounces.example>"),
        (name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click"),
    ]

    func copy(_ header: String) throws -> String {
        let submitted = try SubmittedMessage(
            RelayFixture.mail("From: news@shop.example\nTo: jane@example.com\n\(header)Subject: Hi\n\nHello\n"))
        let id = MessageID.generate()
        let copy = try RelayCopyMaker.copy(
            of: submitted, steering: try RelaySteering(submitted), messageID: id,
            assignedHeader: .assigned(to: id, domain: "bounces.example"), date: Date(),
            tracking: .init(url: { _ in "https://t.example/" }, pixelURL: "https://t.example/o"),
            unsubscribe: Self.fields)
        return String(decoding: copy.bytes, as: UTF8.self)
    }

    @Test("each copy gets both fields; the application's own field, or X-Ricochet-Unsubscribe: off, keeps them out")
    func fieldsAdded() throws {
        let plain = try copy("")
        #expect(
            plain.contains(
                "List-Unsubscribe: <https://r.example/u/tok>, <mailto:unsubscribe+tok@bounces.example>\r\n"))
        #expect(plain.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        let own = try copy("List-Unsubscribe: <mailto:leave@shop.example>\n")
        #expect(own.contains("List-Unsubscribe: <mailto:leave@shop.example>\r\n"))
        #expect(!own.contains("r.example/u/") && !own.contains("List-Unsubscribe-Post"))
        let off = try copy("X-Ricochet-Unsubscribe: OFF\n")
        #expect(!off.contains("List-Unsubscribe") && !off.contains("X-Ricochet-Unsubscribe"), "the field is removed")
        #expect(try copy("X-Ricochet-Unsubscribe: on\n").contains("List-Unsubscribe-Post"))
        #expect(throws: MIMERefusal.self) { try copy("X-Ricochet-Unsubscribe: maybe\n") }
    }
}
