import Foundation
import HTTPTypes
import Logging
import RicochetCore
import RicochetSQLite
import RicochetStore
import Testing

@testable import RicochetServer

/// What the API and the dashboard show of the relay's queue and do with it,
/// and the DKIM keys under the API.
@Suite("Relay queue in the API and the dashboard; DKIM keys under the API")
struct RelayQueueAPITests {
    /// Three copies of one submission of alice's: one deferred by the
    /// smarthost, one sent, one not tried yet.
    static func queue(in path: String) async throws -> [RelayCopy] {
        let store = try await SQLiteStore.open(path: path, logger: Logger(label: "test"))
        let account = try #require(try await store.accounts().first { $0.name == "alice" })
        let now = Date(milliseconds: Date().milliseconds)
        let submission = RelaySubmission(
            accountID: account.id, mailFrom: "app@shop.example", receivedAt: now, data: [1])
        let messages = (0..<3).map { index in
            Message(
                id: .generate(), accountID: account.id, recipient: "r\(index)@example.com", tags: [], links: [],
                createdAt: now)
        }
        let copies = messages.enumerated().map { index, message in
            RelayCopy(
                submissionID: submission.id, accountID: account.id, messageID: message.id,
                recipient: message.recipient, dueAt: now + Double(index) - 10, expiresAt: now + 86400,
                updatedAt: now + Double(index))
        }
        try await store.accept(submission, messages: messages, copies: copies)
        let claimed = try await store.claimRelayCopies(
            now: now - 9, limit: 10, lease: DeliveryLease(holder: "test", expiresAt: now + 60))
        #expect(claimed.map(\.copy.id) == [copies[0].id, copies[1].id])
        _ = try await store.recordRelayResults(
            [
                RelayResult(
                    copyID: copies[0].id, lease: claimed[0].lease,
                    reply: RelayReply(code: 451, enhanced: "4.7.1", text: "greylisted, come back later"),
                    next: .retry(at: now + 3600)),
                RelayResult(
                    copyID: copies[1].id, lease: claimed[1].lease,
                    reply: RelayReply(code: 250, enhanced: "2.0.0", text: "queued as 4F2"), next: .sent),
            ], now: now)
        await store.close()
        return copies
    }

    @Test("GET /api/v1/messages/{id} shows a relayed copy's state, last answer and next try; others have none")
    func messageState() async throws {
        let path = try Harness.database()
        try await Harness.run(database: path) { api, tenants in
            let copies = try await Self.queue(in: path)
            let deferred = try await api.call(.get, "/api/v1/messages/\(copies[0].messageID)", key: tenants.alice)
            let relay = try #require(deferred.json["relay"] as? [String: Any])
            #expect(relay["state"] as? String == "deferred" && relay["attempts"] as? Int == 1)
            #expect(relay["id"] as? String == copies[0].id)
            let reply = try #require(relay["last_reply"] as? [String: Any])
            #expect(reply["code"] as? Int == 451 && reply["enhanced"] as? String == "4.7.1")
            #expect(reply["text"] as? String == "greylisted, come back later")
            #expect(relay["next_attempt_at"] is String && relay["expires_at"] is String)

            let sent = try await api.call(.get, "/api/v1/messages/\(copies[1].messageID)", key: tenants.alice)
            let sentRelay = try #require(sent.json["relay"] as? [String: Any])
            #expect(sentRelay["state"] as? String == "sent" && sentRelay["next_attempt_at"] == nil)
            let queued = try await api.call(.get, "/api/v1/messages/\(copies[2].messageID)", key: tenants.alice)
            #expect((queued.json["relay"] as? [String: Any])?["state"] as? String == "queued")

            let registered = try await api.call(
                .post, "/api/v1/messages", key: tenants.alice, body: #"{"recipient": "jane@example.com"}"#)
            let id = try #require(registered.json["id"] as? String)
            let plain = try await api.call(.get, "/api/v1/messages/\(id)", key: tenants.alice)
            #expect(plain.status == .ok && plain.json["relay"] == nil, "not relayed: no relay state")
            let other = try await api.call(.get, "/api/v1/messages/\(copies[0].messageID)", key: tenants.bob)
            #expect(other.status == .notFound)
        }
    }

    @Test("the Outgoing page lists the queue; a waiting copy is retried now or dropped, with a failure event")
    func outgoing() async throws {
        let path = try Harness.database()
        try await Harness.run(database: path) { api, tenants in
            let copies = try await Self.queue(in: path)
            let alice = try await api.signIn(tenants.alice)
            let page = try await api.call(.get, "/outgoing", key: nil, headers: [.cookie: alice.cookie])
            #expect(page.status == .ok)
            for copy in copies { #expect(page.body.contains(copy.recipient)) }
            #expect(page.body.contains("451 4.7.1 greylisted, come back later"))
            #expect(page.body.contains("The relay is off on this node"))
            #expect(page.body.contains("/outgoing/\(copies[0].id)/drop"), "a deferred copy can be dropped")
            #expect(!page.body.contains("/outgoing/\(copies[1].id)/drop"), "a sent one cannot")
            let filtered = try await api.call(
                .get, "/outgoing?state=deferred", key: nil, headers: [.cookie: alice.cookie])
            #expect(filtered.body.contains("r0@example.com") && !filtered.body.contains("r1@example.com"))

            let bob = try await api.signIn(tenants.bob)
            let foreign = try await api.form("/outgoing/\(copies[0].id)/drop", "csrf=\(bob.csrf)", cookie: bob.cookie)
            #expect(foreign.body.contains("nothing to drop"), "another account's copy is not found")
            let forged = try await api.form("/outgoing/\(copies[0].id)/drop", "csrf=wrong", cookie: alice.cookie)
            #expect(forged.status == .forbidden)

            let retried = try await api.form(
                "/outgoing/\(copies[0].id)/retry", "csrf=\(alice.csrf)", cookie: alice.cookie)
            #expect(retried.body.contains("is tried again now"))
            let message = try await api.call(.get, "/api/v1/messages/\(copies[0].messageID)", key: tenants.alice)
            let next = try #require((message.json["relay"] as? [String: Any])?["next_attempt_at"] as? String)
            let due = try #require(try? Date(next, strategy: .iso8601))
            #expect(due <= Date(), "due now, not in an hour")

            let dropped = try await api.form(
                "/outgoing/\(copies[0].id)/drop", "csrf=\(alice.csrf)", cookie: alice.cookie)
            #expect(dropped.body.contains("is dropped"))
            let after = try await api.call(.get, "/api/v1/messages/\(copies[0].messageID)", key: tenants.alice)
            #expect((after.json["relay"] as? [String: Any])?["state"] as? String == "failed")
            let again = try await api.form("/outgoing/\(copies[0].id)/drop", "csrf=\(alice.csrf)", cookie: alice.cookie)
            #expect(again.body.contains("nothing to drop"))

            var failure: [String: Any]?
            for _ in 0..<100 {
                let events = try await api.call(.get, "/api/v1/events?type=failure", key: tenants.alice)
                failure = (events.json["events"] as? [[String: Any]])?.first?["variables"] as? [String: Any]
                if failure != nil { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let variables = try #require(failure, "the drop is a failure event")
            #expect(variables["state"] as? String == "dropped" && variables["recipient"] as? String == "r0@example.com")
            #expect(variables["code"] as? Int == 554 && variables["action"] as? String == "failed")
            #expect((variables["description"] as? String)?.contains("last answer: 451 greylisted") == true)
        }
    }

    @Test("DKIM keys under the API: made with the record to publish, listed, refused twice, deleted; per account")
    func dkimKeys() async throws {
        try await Harness.run { api, tenants in
            let made = try await api.call(
                .post, "/api/v1/dkim-keys", key: tenants.alice,
                body: #"{"domain": "Shop.Example", "selector": "s1", "algorithm": "ed25519"}"#)
            #expect(made.status == .created)
            let id = try #require(made.json["id"] as? String)
            #expect(made.headers[.location] == "/api/v1/dkim-keys/\(id)")
            #expect(made.json["domain"] as? String == "shop.example" && made.json["algorithm"] as? String == "ed25519")
            let dns = try #require(made.json["dns"] as? [String: Any])
            #expect(dns["name"] as? String == "s1._domainkey.shop.example." && dns["type"] as? String == "TXT")
            #expect((dns["value"] as? String)?.hasPrefix("v=DKIM1; k=ed25519; p=") == true)
            #expect(!made.body.contains("PRIVATE") && made.json["private_key"] == nil)
            let rsa = try await api.call(
                .post, "/api/v1/dkim-keys", key: tenants.alice, body: #"{"domain": "shop.example", "selector": "s2"}"#)
            #expect(rsa.status == .created && rsa.json["algorithm"] as? String == "rsa")

            let twice = try await api.call(
                .post, "/api/v1/dkim-keys", key: tenants.alice, body: #"{"domain": "shop.example", "selector": "s1"}"#)
            #expect(twice.status == .conflict && twice.body.contains("selector_taken"))
            for body in [
                #"{"domain": "bad domain", "selector": "s1"}"#, #"{"domain": "shop.example", "selector": "a b"}"#,
                #"{"domain": "shop.example"}"#, #"{"domain": "shop.example", "selector": "s3", "algorithm": "dsa"}"#,
                #"{"domain": "shop.example", "selector": "s3", "private_key": "x"}"#,
            ] {
                let refused = try await api.call(.post, "/api/v1/dkim-keys", key: tenants.alice, body: body)
                #expect(refused.status == .badRequest, "\(body)")
            }

            let list = try await api.call(.get, "/api/v1/dkim-keys", key: tenants.alice)
            #expect((list.json["keys"] as? [[String: Any]])?.compactMap { $0["selector"] as? String } == ["s2", "s1"])
            let bobs = try await api.call(.get, "/api/v1/dkim-keys", key: tenants.bob)
            #expect((bobs.json["keys"] as? [[String: Any]])?.isEmpty == true)
            #expect(try await api.call(.delete, "/api/v1/dkim-keys/\(id)", key: tenants.bob).status == .notFound)
            #expect(try await api.call(.delete, "/api/v1/dkim-keys/\(id)", key: tenants.alice).status == .noContent)
            #expect(try await api.call(.delete, "/api/v1/dkim-keys/\(id)", key: tenants.alice).status == .notFound)
        }
    }
}
