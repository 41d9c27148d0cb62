import Foundation
import Logging
import RicochetCore
import RicochetMail
import RicochetSQLite
import RicochetStore
import Testing

@testable import RicochetServer

@Suite("Relay intake")
struct RelayIntakeTests {
    static func envelope(_ text: String, to recipients: [String]) -> SMTPEnvelope {
        SMTPEnvelope(
            helo: "app.example", mailFrom: "app@shop.example", rcptTo: recipients,
            data: Array((text.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n").utf8))
    }

    func withIntake(_ body: (RelayIntake<SQLiteStore>, SQLiteStore, Account) async throws -> Void) async throws {
        let store = try await SQLiteStore.open(path: try Harness.database(), logger: Logger(label: "test"))
        do {
            let account = try await store.createAccount(name: "shop", key: .generate(), now: Date())
            try await body(
                RelayIntake(store: store, bounceDomain: "bounces.example", expiry: 3 * 86400), store, account)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    @Test("one registered message and one queued copy per recipient, with the tags, links and Message-ID")
    func accepted() async throws {
        try await withIntake { intake, store, account in
            let now = Date(milliseconds: Date().milliseconds)
            let envelope = Self.envelope(
                """
                From: news@shop.example
                Message-ID: <own@shop.example>
                X-Ricochet-Tags: may, sale, may
                Content-Type: text/html

                <a href="https://shop.example/a">a</a> <a href="https://shop.example/b">b</a>
                """, to: ["jane@example.com", "joe@example.com"])
            _ = try await intake.accept(envelope, account: account.id, now: now)
            let due = try await store.claimRelayCopies(
                now: now, limit: 10, lease: DeliveryLease(holder: "a#1", expiresAt: now + 30))
            #expect(Set(due.map(\.copy.recipient)) == ["jane@example.com", "joe@example.com"])
            #expect(due.allSatisfy { $0.data == envelope.data && $0.mailFrom == "app@shop.example" })
            #expect(due.allSatisfy { $0.copy.expiresAt == now + 3 * 86400 })
            let messages = try await store.messages(due.map(\.copy.messageID))
            #expect(messages.count == 2)
            for message in messages.values {
                #expect(message.tags == ["may", "sale"])
                #expect(message.links.map(\.url) == ["https://shop.example/a", "https://shop.example/b"])
                #expect(message.messageIDHeader?.description == "<own@shop.example>")
            }
        }
    }

    @Test(
        "what cannot be relayed is refused with its reason, and nothing is stored",
        arguments: [
            ("Content-Type: text/plain\n\nno sender", 554, "no From"),
            ("From: a@shop.example\nX-Ricochet-Track: sometimes\n\nx", 554, "X-Ricochet-Track"),
            ("From: a@shop.example\nX-Ricochet-Profile: prf_nobody\n\nx", 550, "no profile prf_nobody"),
            (
                "From: a@shop.example\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n!!",
                554, "not valid base64"
            ),
        ])
    func refused(_ text: String, _ code: Int, _ reason: String) async throws {
        try await withIntake { intake, store, account in
            do {
                _ = try await intake.accept(
                    Self.envelope(text, to: ["jane@example.com"]), account: account.id, now: Date())
                Issue.record("accepted")
            } catch let refusal as RelayIntake<SQLiteStore>.Refusal {
                #expect(refusal.code == code && refusal.reason.contains(reason), "\(refusal)")
            }
            #expect(
                try await store.claimRelayCopies(
                    now: Date() + 1, limit: 10, lease: DeliveryLease(holder: "a#1", expiresAt: Date() + 30)
                ).isEmpty)
        }
    }

    @Test("submissions of concurrent connections share commits; one that cannot be stored fails alone")
    func groupCommit() async throws {
        try await withIntake { _, store, account in
            let commits = RelayGroupCommit(store: store)
            let now = Date()
            let taken = Message(
                id: .generate(), accountID: account.id, recipient: "taken@example.com", tags: [], links: [],
                createdAt: now)
            try await store.insert([taken])
            let messages = (0..<40).map { index in
                index == 17
                    ? taken
                    : Message(
                        id: .generate(), accountID: account.id, recipient: "r\(index)@example.com", tags: [],
                        links: [], createdAt: now)
            }
            let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
                for (index, message) in messages.enumerated() {
                    group.addTask {
                        let submission = RelaySubmission(
                            accountID: account.id, mailFrom: "", receivedAt: now, data: [1])
                        let copy = RelayCopy(
                            submissionID: submission.id, accountID: account.id, messageID: message.id,
                            recipient: message.recipient, dueAt: now, expiresAt: now + 60, updatedAt: now)
                        do {
                            try await commits.accept(
                                RelayAcceptance(submission: submission, messages: [message], copies: [copy]))
                            return (index, true)
                        } catch {
                            return (index, false)
                        }
                    }
                }
                var outcomes: [Int: Bool] = [:]
                for await (index, stored) in group { outcomes[index] = stored }
                return outcomes
            }
            #expect(outcomes.filter { !$0.value }.map(\.key) == [17], "only the one whose message exists fails")
            for (index, message) in messages.enumerated() where index != 17 {
                #expect(try await store.relayCopies(of: message.id, account: account.id).count == 1, "\(index)")
            }
            #expect(try await store.relayCopies(of: taken.id, account: account.id).isEmpty)
        }
    }
}
