import Foundation
import RicochetCore
import RicochetMail
import RicochetStore
import Testing

@testable import RicochetServer

@Suite("Relay: what each end of a try writes, and the events it makes")
struct RelayOutcomesTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func claimed(attempts: Int = 0, expiresIn: TimeInterval = 3600, last: RelayReply? = nil)
        -> ClaimedRelayCopy
    {
        ClaimedRelayCopy(
            copy: RelayCopy(
                submissionID: "sub_1", accountID: "acc_1", messageID: MessageID.generate(),
                recipient: "bob@example.com",
                status: .sending, attempts: attempts, dueAt: now, expiresAt: now.addingTimeInterval(expiresIn),
                lastReply: last, updatedAt: now),
            lease: "lse_1", mailFrom: "app@example.com", receivedAt: now, data: [])
    }

    @Test("a 250 without DSN is a delivery event that says the smarthost only accepted it; with DSN, no event yet")
    func accepted() throws {
        let item = Self.claimed()
        let reply = SMTPReply(250, "2.0.0", "Ok: queued as 4Xk")
        let (result, report) = RelayOutcomes.result(of: .accepted(reply, notifies: false), item, now: Self.now)
        #expect(
            result.next == .sent && result.reply == RelayReply(code: 250, enhanced: "2.0.0", text: "Ok: queued as 4Xk"))
        let delivery = try #require(report)
        #expect(delivery.kind == .delivery && delivery.message == item.copy.messageID && delivery.code == 250)
        #expect(delivery.description.hasPrefix("accepted by the smarthost, which sends no delivery reports"))
        let (_, none) = RelayOutcomes.result(of: .accepted(reply, notifies: true), item, now: Self.now)
        #expect(none == nil)
    }

    @Test("a 5xx fails the copy with a failure event naming the stage; a 4xx defers it without one")
    func refusedAndDeferred() throws {
        let item = Self.claimed(attempts: 2)
        let refusal = SMTPReply(550, "5.1.1", "<bob@example.com>: Recipient address rejected")
        let (failed, report) = RelayOutcomes.result(of: .refused(.rcptTo, refusal), item, now: Self.now)
        #expect(failed.next == .failed)
        let failure = try #require(report)
        #expect(failure.kind == .failure && failure.state == "rcptto" && failure.action == "failed")
        #expect(failure.code == 550 && failure.extended == "5.1.1" && failure.description == refusal.text)
        let (deferred, nothing) = RelayOutcomes.result(
            of: .deferred(.rcptTo, SMTPReply(451, "4.7.1", "greylisted")), item, now: Self.now)
        #expect(nothing == nil)
        guard case .retry(let at) = deferred.next else { Issue.record("not retried"); return }
        let wait = at.timeIntervalSince(Self.now)
        #expect(wait > 800 && wait <= 900, "the third try waits about 15 minutes, not \(wait)")
    }

    @Test("no retry is set past the copy's expiry, and an expired copy fails with state expired")
    func expiry() throws {
        let item = Self.claimed(
            attempts: 4, expiresIn: 60, last: RelayReply(code: 421, enhanced: "4.4.2", text: "gone"))
        let (deferred, _) = RelayOutcomes.result(
            of: .deferred(.data, SMTPReply(452, "4.3.1", "full")), item, now: Self.now)
        #expect(deferred.next == .retry(at: item.copy.expiresAt))
        let (result, report) = RelayOutcomes.expired(item, now: Self.now)
        #expect(result.next == .failed && report.state == "expired" && report.kind == .failure)
        #expect(report.code == 421 && report.extended == "4.4.7" && report.description.contains("421 gone"))
    }

    @Test("the submission listener takes ASCII addresses with a host name or an address literal")
    func recipients() {
        for good in ["bob@example.com", "Bob.Smith+tag@Mail.Example.COM", "x@[192.0.2.1]", "a@localhost"] {
            #expect(SubmissionAddress.isValid(good), "\(good)")
        }
        for bad in [
            "bob", "@example.com", "bob@", "bob@exa mple.com", "bøb@example.com", "b<b@example.com",
            String(repeating: "a", count: 65) + "@example.com", "bob@-example.com", "bob@[]",
        ] {
            #expect(!SubmissionAddress.isValid(bad), "\(bad)")
        }
    }
}
