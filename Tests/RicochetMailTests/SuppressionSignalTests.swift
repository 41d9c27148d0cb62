import Foundation
import RicochetCore
import Testing

@testable import RicochetMail

@Suite("What events say for the suppression list")
struct SuppressionSignalTests {
    let message = MessageID.generate()

    func failure(
        _ code: Int, _ extended: String, _ description: String, state: String = "rcpt", action: String = "failed",
        permanent: Bool? = nil
    ) -> EventDraft {
        .report(
            MTAReport(
                kind: .failure, message: message, state: state, action: action, code: code, extended: extended,
                description: description, at: Date(), permanent: permanent))
    }

    @Test("an address that does not exist, a domain that does not, a mailbox that moved: hard")
    func hard() {
        #expect(failure(550, "5.1.1", "550 5.1.1 <gone@example.org>: User unknown").suppressionSignal == .hardBounce)
        #expect(failure(550, "5.1.2", "Host or domain name not found").suppressionSignal == .hardBounce)
        #expect(failure(550, "", "No such user here").suppressionSignal == .hardBounce)
        #expect(failure(551, "5.1.6", "Mailbox has moved").suppressionSignal == .hardBounce)
    }

    @Test("a full mailbox, a block of the content or of the sender's IP, a server that is down: soft")
    func soft() {
        #expect(failure(552, "5.2.2", "Mailbox full").suppressionSignal == .softBounce)
        #expect(failure(550, "5.7.1", "Message rejected as spam by Content Filtering").suppressionSignal == .softBounce)
        #expect(
            failure(554, "5.7.1", "Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org")
                .suppressionSignal == .softBounce)
        #expect(
            failure(451, "4.4.7", "not delivered before the relay's expiry", state: "expired").suppressionSignal
                == .softBounce)
        #expect(failure(0, "", "").suppressionSignal == .softBounce, "nothing said: not for good")
    }

    @Test("what the reporter decided stands: a DSN's own verdict")
    func reporterDecides() {
        #expect(
            failure(550, "5.2.2", "Mailbox full", state: "bounce", permanent: true).suppressionSignal == .hardBounce)
        #expect(
            failure(550, "5.1.1", "User unknown", state: "bounce", permanent: false).suppressionSignal == .softBounce)
    }

    @Test(
        "deliveries, delays, opens, bounces themselves and Ricochet's own refusals say nothing; complaints are complaints"
    )
    func nothingElse() {
        #expect(failure(450, "4.2.0", "try later", action: "delayed").suppressionSignal == nil)
        #expect(
            failure(550, "5.7.1", "on the suppression list", state: MTAReport.suppressedState).suppressionSignal == nil)
        let delivery = EventDraft.report(
            MTAReport(
                kind: .delivery, message: message, state: "", action: "relayed", code: 250, extended: "2.0.0",
                description: "ok", at: Date()))
        #expect(delivery.suppressionSignal == nil)
        let hit = EventDraft.tracking(
            TrackingHit(
                kind: .open, message: message, linkIndex: nil, url: nil, ip: "192.0.2.1", userAgent: "", referer: "",
                isHead: false, at: Date()))
        #expect(hit.suppressionSignal == nil)
        let bounce = EventDraft.returned(
            ReturnedMail(kind: .bounce, message: message, mailFrom: "", rcptTo: [], mime: "", at: Date()))
        #expect(bounce.suppressionSignal == nil, "the failure events of a bounce carry its verdicts")
        let abuse = EventDraft.returned(
            ReturnedMail(kind: .abuse, message: message, mailFrom: "", rcptTo: [], mime: "", at: Date()))
        #expect(abuse.suppressionSignal == .complaint)
    }
}
