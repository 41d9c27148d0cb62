import Foundation
import RicochetCore
import Testing

@testable import RicochetMail

@Suite("Events of returned mail")
struct ReturnedMailEventsTests {
    let codec = ReturnPathCodec(secret: Array(repeating: 7, count: 32))
    let message = MessageID.generate()
    let other = MessageID.generate()

    private func types(_ drafts: [EventDraft]) -> [String] {
        drafts.map { draft in
            switch draft {
            case .returned(let mail): mail.kind.rawValue
            case .report(let report): "\(report.kind.rawValue):\(report.extended):\(report.code)"
            case .tracking: "tracking"
            case .unsubscribe: "unsubscribe"
            }
        }
    }

    @Test("the return path names the message first, the returned copy's X-Ricochet-Message, then its Message-ID")
    func matching() {
        let report = BounceReport(
            kind: .dsn, recipients: [],
            original: MessageHeader(fields: [
                .init(name: "X-Ricochet-Message", value: other.description),
                .init(name: "Message-ID", value: " (comment)\r\n <a.b@mail.example>"),
            ]))
        let returnPath = codec.address(for: message, local: "bounces", domain: "b.example")
        let header = MessageIDHeader("a.b@mail.example")!
        #expect(
            BounceMatch.references(rcptTo: [returnPath], report: report, codec: codec) == [
                .returnPath(message), .header(other), .messageID(header),
            ])
        #expect(
            BounceMatch.references(
                rcptTo: ["bounces+forged@b.example", "bounces@b.example"], report: report, codec: codec)
                == [.header(other), .messageID(header)])
        #expect(
            BounceMatch.references(rcptTo: [], report: BounceReport(kind: .bounce, recipients: []), codec: codec)
                .isEmpty)
    }

    @Test(
        "a bounce event unless all was delivered; a failure per failed recipient, a delivery per delivered one; abuse for ARF; nothing more for delays and auto-replies"
    )
    func drafts() {
        func recipient(_ action: String, _ status: String?, _ code: Int?) -> BounceReport.Recipient {
            .init(
                address: "a@example.org", action: action, status: status, code: code, diagnostic: "x",
                reason: .userunknown, hard: true)
        }
        func drafts(_ report: BounceReport) -> [String] {
            types(
                ReturnedMailEvents.drafts(
                    for: report, message: message, mailFrom: "", rcptTo: ["r"], data: Array("m".utf8), at: Date()))
        }
        #expect(
            drafts(
                BounceReport(
                    kind: .dsn, recipients: [recipient("failed", "5.1.1", 550), recipient("delayed", "4.4.1", nil)]))
                == ["bounce", "failure:5.1.1:550"])
        #expect(
            drafts(BounceReport(kind: .bounce, recipients: [recipient("failed", nil, nil)])) == [
                "bounce", "failure::0",
            ])
        #expect(drafts(BounceReport(kind: .arf, recipients: [recipient("", nil, nil)])) == ["bounce", "abuse"])
        // Success notifications (a relay asks NOTIFY=SUCCESS): deliveries, and no bounce unless something failed.
        #expect(
            drafts(
                BounceReport(
                    kind: .dsn, recipients: [recipient("delivered", "2.0.0", nil), recipient("relayed", nil, nil)]))
                == ["delivery:2.0.0:250", "delivery::250"])
        #expect(
            drafts(
                BounceReport(
                    kind: .dsn, recipients: [recipient("delivered", "2.0.0", 250), recipient("failed", "5.1.1", 550)]))
                == ["bounce", "delivery:2.0.0:250", "failure:5.1.1:550"])
        #expect(drafts(BounceReport(kind: .autoreply, recipients: [recipient("", nil, nil)])) == ["bounce"])
    }
}
