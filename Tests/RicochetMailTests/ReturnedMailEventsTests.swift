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
            }
        }
    }

    @Test("the return path names the message first, the returned copy's header second")
    func matching() {
        let report = BounceReport(
            kind: .dsn, recipients: [],
            original: MessageHeader(fields: [.init(name: "X-Ricochet-Message", value: other.description)]))
        let returnPath = codec.address(for: message, local: "bounces", domain: "b.example")
        #expect(ReturnedMailEvents.message(rcptTo: [returnPath], report: report, codec: codec) == message)
        #expect(ReturnedMailEvents.message(rcptTo: ["bounces+forged@b.example"], report: report, codec: codec) == other)
        #expect(
            ReturnedMailEvents.message(rcptTo: [], report: BounceReport(kind: .bounce, recipients: []), codec: codec)
                == nil)
    }

    @Test(
        "a bounce event always; a failure per failed recipient; abuse for ARF; nothing more for delays and auto-replies"
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
        #expect(drafts(BounceReport(kind: .autoreply, recipients: [recipient("", nil, nil)])) == ["bounce"])
    }
}
