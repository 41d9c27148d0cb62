import Foundation
import RicochetCore
import Testing

@testable import RicochetStore

/// The relay's queue, alike on every backend.
@Suite("Relay queue conformance")
struct RelayQueueConformanceTests {
    static func message(_ account: Account.ID, to recipient: String) -> Message {
        Message(
            id: .generate(), accountID: account, recipient: recipient, tags: ["may"], links: [],
            createdAt: Date(milliseconds: Date().milliseconds))
    }

    @Test(
        "a submission, its messages and copies go in together; copies are claimed once, deferred, sent or failed under their lease",
        arguments: Backend.all)
    func lifecycle(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let now = Date(milliseconds: Date().milliseconds)
            let submission = RelaySubmission(
                accountID: account.id, mailFrom: "app@shop.example", receivedAt: now,
                data: Array("From: a@shop.example\r\n\r\nhi\r\n".utf8) + [0xFF, 0x00])
            let messages = [
                Self.message(account.id, to: "jane@example.com"), Self.message(account.id, to: "joe@example.com"),
            ]
            let copies = messages.enumerated().map { index, message in
                RelayCopy(
                    submissionID: submission.id, accountID: account.id, messageID: message.id,
                    recipient: message.recipient, dueAt: now + Double(index * 60), expiresAt: now + 86400,
                    updatedAt: now)
            }
            try await store.accept(submission, messages: messages, copies: copies)
            #expect(try await store.messages(messages.map(\.id)).count == 2, "registered as the messages API does")
            #expect(try await store.relayCopies(of: messages[0].id, account: account.id) == [copies[0]])
            #expect(try await store.relayCopies(of: messages[0].id, account: "acc_other").isEmpty)

            let first = DeliveryLease(holder: "a#1", expiresAt: now + 30)
            let claimed = try await store.claimRelayCopies(now: now, limit: 10, lease: first)
            #expect(claimed.map(\.copy.id) == [copies[0].id], "only the copy that is due")
            #expect(claimed.first?.data == submission.data && claimed.first?.mailFrom == "app@shop.example")
            #expect(try await store.claimRelayCopies(now: now, limit: 10, lease: Fixture.lease("b#1")).isEmpty)

            let deferred = RelayReply(code: 451, enhanced: "4.3.0", text: "try later")
            #expect(
                try await store.recordRelayResults(
                    [RelayResult(copyID: copies[0].id, lease: first.id, reply: deferred, next: .retry(at: now + 120))],
                    now: now) == 0)
            var copy = try #require(try await store.relayCopies(of: messages[0].id, account: account.id).first)
            #expect(copy.status == .queued && copy.attempts == 1 && copy.lastReply == deferred)
            #expect(copy.dueAt == now + 120)
            #expect(
                try await store.recordRelayResults(
                    [RelayResult(copyID: copies[0].id, lease: first.id, reply: deferred, next: .failed)], now: now)
                    == 1, "a lease already given back writes nothing")

            let second = DeliveryLease(holder: "a#1", expiresAt: now + 150)
            let both = try await store.claimRelayCopies(now: now + 120, limit: 10, lease: second)
            #expect(both.map(\.copy.id) == [copies[1].id, copies[0].id], "oldest due first")
            let sent = RelayReply(code: 250, enhanced: "2.0.0", text: "queued as ABC")
            let refused = RelayReply(code: 550, enhanced: "5.1.1", text: "no such user")
            #expect(
                try await store.recordRelayResults(
                    [
                        RelayResult(copyID: copies[0].id, lease: second.id, reply: sent, next: .sent),
                        RelayResult(copyID: copies[1].id, lease: second.id, reply: refused, next: .failed),
                    ], now: now + 121) == 0)
            copy = try #require(try await store.relayCopies(of: messages[0].id, account: account.id).first)
            #expect(copy.status == .sent && copy.attempts == 2 && copy.lastReply == sent)
            copy = try #require(try await store.relayCopies(of: messages[1].id, account: account.id).first)
            #expect(copy.status == .failed && copy.lastReply == refused)
            #expect(try await store.claimRelayCopies(now: now + 9999, limit: 10, lease: first).isEmpty)
        }
    }

    @Test(
        "a copy whose node died is queued again once its lease expires, and the dead lease writes nothing",
        arguments: Backend.all)
    func rescue(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let now = Date(milliseconds: Date().milliseconds)
            let submission = RelaySubmission(accountID: account.id, mailFrom: "", receivedAt: now, data: [1])
            let message = Self.message(account.id, to: "jane@example.com")
            let copy = RelayCopy(
                submissionID: submission.id, accountID: account.id, messageID: message.id, recipient: message.recipient,
                dueAt: now, expiresAt: now + 86400, updatedAt: now)
            try await store.accept(submission, messages: [message], copies: [copy])
            let dead = DeliveryLease(holder: "a#1", expiresAt: now + 30)
            #expect(try await store.claimRelayCopies(now: now, limit: 1, lease: dead).count == 1)
            #expect(try await store.rescueExpiredRelayLeases(now: now + 10) == 0, "not before the lease ends")
            // A node still sending extends its lease: not rescued at its first end.
            try await store.renewRelayLeases([dead.id], until: now + 60, now: now + 20)
            #expect(try await store.rescueExpiredRelayLeases(now: now + 31) == 0, "renewed")
            try await store.renewRelayLeases(["lse_other"], until: now + 600, now: now + 20)
            #expect(try await store.rescueExpiredRelayLeases(now: now + 61) == 1)
            let again = DeliveryLease(holder: "b#1", expiresAt: now + 90)
            #expect(try await store.claimRelayCopies(now: now + 61, limit: 1, lease: again).count == 1)
            let reply = RelayReply(code: 250, enhanced: nil, text: "ok")
            #expect(
                try await store.recordRelayResults(
                    [RelayResult(copyID: copy.id, lease: dead.id, reply: reply, next: .sent)], now: now + 32) == 1)
            #expect(try await store.relayCopies(of: message.id, account: account.id).first?.status == .sending)
        }
    }

    @Test("a submission that cannot be stored whole leaves nothing behind", arguments: Backend.all)
    func atomic(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let now = Date()
            let taken = Self.message(account.id, to: "jane@example.com")
            try await store.insert([taken])
            let submission = RelaySubmission(accountID: account.id, mailFrom: "", receivedAt: now, data: [1])
            let fresh = Self.message(account.id, to: "joe@example.com")
            let copies = [fresh, taken].map { message in
                RelayCopy(
                    submissionID: submission.id, accountID: account.id, messageID: message.id,
                    recipient: message.recipient, dueAt: now, expiresAt: now + 60, updatedAt: now)
            }
            await #expect(throws: (any Error).self) {
                try await store.accept(submission, messages: [fresh, taken], copies: copies)
            }
            #expect(try await store.messages([fresh.id]).isEmpty)
            #expect(try await store.relayCopies(of: fresh.id, account: account.id).isEmpty)
            #expect(try await store.claimRelayCopies(now: now, limit: 10, lease: Fixture.lease()).isEmpty)
        }
    }

    @Test(
        "the queue by account and state, newest first in pages; a waiting copy is retried now or dropped, no other",
        arguments: Backend.all)
    func queuePage(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let other = try await store.createAccount(name: "b", key: .generate(), now: Date())
            let now = Date(milliseconds: Date().milliseconds)
            let submission = RelaySubmission(accountID: account.id, mailFrom: "", receivedAt: now, data: [1])
            let messages = (0..<3).map { Self.message(account.id, to: "r\($0)@example.com") }
            // Made a second apart: r0 oldest, r2 newest.
            let copies = messages.enumerated().map { index, message in
                RelayCopy(
                    submissionID: submission.id, accountID: account.id, messageID: message.id,
                    recipient: message.recipient, dueAt: now + Double(index), expiresAt: now + 86400,
                    updatedAt: now + Double(index))
            }
            try await store.accept(submission, messages: messages, copies: copies)
            let lease = DeliveryLease(holder: "a#1", expiresAt: now + 30)
            let claimed = try await store.claimRelayCopies(now: now + 1, limit: 10, lease: lease)
            #expect(claimed.count == 2)
            let deferred = RelayReply(code: 451, enhanced: "4.7.1", text: "greylisted")
            _ = try await store.recordRelayResults(
                [RelayResult(copyID: copies[0].id, lease: lease.id, reply: deferred, next: .retry(at: now + 600))],
                now: now)
            // copies[0]: deferred; copies[1]: sending; copies[2]: queued.
            var depths = QueueDepths()
            (depths.relayQueued, depths.relayDeferred, depths.relaySending) = (1, 1, 1)
            #expect(try await store.queueDepths() == depths)

            #expect(
                try await store.relayCopies(of: account.id, state: nil, after: nil, limit: 10).map(\.recipient)
                    == ["r2@example.com", "r1@example.com", "r0@example.com"])
            let firstPage = try await store.relayCopies(of: account.id, state: nil, after: nil, limit: 2)
            #expect(
                try await store.relayCopies(of: account.id, state: nil, after: firstPage.last?.id, limit: 2)
                    .map(\.recipient) == ["r0@example.com"])
            #expect(
                try await store.relayCopies(of: account.id, state: .deferred, after: nil, limit: 10).map(\.id)
                    == [copies[0].id])
            #expect(
                try await store.relayCopies(of: account.id, state: .queued, after: nil, limit: 10).map(\.id)
                    == [copies[2].id])
            #expect(try await store.relayCopies(of: other.id, state: nil, after: nil, limit: 10).isEmpty)
            #expect(try await store.relayCopyCounts(of: account.id) == [.deferred: 1, .sending: 1, .queued: 1])
            #expect(try await store.relayCopyCounts(of: other.id).isEmpty)

            #expect(try await store.retryRelayCopy(copies[0].id, of: other.id, now: now + 5) == false)
            #expect(try await store.retryRelayCopy(copies[1].id, of: account.id, now: now + 5) == false, "sending")
            #expect(try await store.retryRelayCopy(copies[0].id, of: account.id, now: now + 5))
            let due = try await store.claimRelayCopies(now: now + 5, limit: 10, lease: Fixture.lease("c#1"))
            #expect(Set(due.map(\.copy.id)) == [copies[0].id, copies[2].id], "the retried copy is due at once")
            for item in due {
                _ = try await store.recordRelayResults(
                    [
                        RelayResult(
                            copyID: item.copy.id, lease: item.lease, reply: deferred, next: .retry(at: now + 900))
                    ],
                    now: now + 5)
            }

            let dropped = RelayReply(code: 554, enhanced: "5.0.0", text: "dropped")
            #expect(try await store.dropRelayCopy(copies[0].id, of: other.id, reply: dropped, now: now + 6) == nil)
            #expect(try await store.dropRelayCopy(copies[1].id, of: account.id, reply: dropped, now: now + 6) == nil)
            let before = try #require(
                try await store.dropRelayCopy(copies[0].id, of: account.id, reply: dropped, now: now + 6))
            #expect(before.lastReply == deferred && before.attempts == 2, "the copy as it was")
            let after = try #require(try await store.relayCopies(of: messages[0].id, account: account.id).first)
            #expect(after.status == .failed && after.lastReply == dropped && after.attempts == 2)
            #expect(try await store.dropRelayCopy(copies[0].id, of: account.id, reply: dropped, now: now + 7) == nil)
        }
    }

    @Test("pruning removes a submission only once every copy ended before the cutoff", arguments: Backend.all)
    func prune(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let now = Date(milliseconds: Date().milliseconds)
            var submissions: [RelaySubmission] = []
            var copies: [RelayCopy] = []
            for index in 0..<2 {
                let submission = RelaySubmission(accountID: account.id, mailFrom: "", receivedAt: now, data: [1])
                let pair = (0..<2).map { Self.message(account.id, to: "s\(index)-\($0)@example.com") }
                let made = pair.map { message in
                    RelayCopy(
                        submissionID: submission.id, accountID: account.id, messageID: message.id,
                        recipient: message.recipient, dueAt: now, expiresAt: now + 86400, updatedAt: now)
                }
                try await store.accept(submission, messages: pair, copies: made)
                submissions.append(submission)
                copies += made
            }
            let claimed = try await store.claimRelayCopies(now: now, limit: 10, lease: Fixture.lease())
            let sent = RelayReply(code: 250, enhanced: nil, text: "ok")
            // The first submission's copies both end; one of the second's waits.
            _ = try await store.recordRelayResults(
                claimed.map { item in
                    RelayResult(
                        copyID: item.copy.id, lease: item.lease, reply: sent,
                        next: item.copy.id == copies[3].id ? .retry(at: now + 60) : .sent)
                }, now: now + 1)
            #expect(try await store.pruneRelay(finishedBefore: now + 1) == 0, "ended at the cutoff, not before")
            #expect(try await store.pruneRelay(finishedBefore: now + 3600) == 1)
            #expect(try await store.relayCopies(of: copies[0].messageID, account: account.id).isEmpty)
            #expect(try await store.relayCopies(of: copies[2].messageID, account: account.id).count == 1)
            #expect(try await store.messages([copies[0].messageID]).count == 1, "the message stays for its events")
            #expect(try await store.pruneRelay(finishedBefore: now + 3600) == 0)
        }
    }

    @Test("several submissions go in one transaction: all of them, or none when one cannot", arguments: Backend.all)
    func group(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let now = Date()
            func acceptance(_ message: Message) -> RelayAcceptance {
                let submission = RelaySubmission(accountID: account.id, mailFrom: "", receivedAt: now, data: [1, 2])
                return RelayAcceptance(
                    submission: submission, messages: [message],
                    copies: [
                        RelayCopy(
                            submissionID: submission.id, accountID: account.id, messageID: message.id,
                            recipient: message.recipient, dueAt: now, expiresAt: now + 60, updatedAt: now)
                    ])
            }
            let first = (0..<3).map { Self.message(account.id, to: "r\($0)@example.com") }
            try await store.accept(first.map(acceptance))
            for message in first {
                #expect(try await store.relayCopies(of: message.id, account: account.id).count == 1)
            }
            let fresh = Self.message(account.id, to: "fresh@example.com")
            await #expect(throws: (any Error).self) {
                try await store.accept([acceptance(fresh), acceptance(first[0])])
            }
            #expect(try await store.relayCopies(of: fresh.id, account: account.id).isEmpty)
            #expect(try await store.messages([fresh.id]).isEmpty)
        }
    }
}
