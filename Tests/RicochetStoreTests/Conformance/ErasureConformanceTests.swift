import Foundation
import RicochetCore
import RicochetStore
import Testing

@Suite("Erasure")
struct ErasureConformanceTests {
    static let janeIP = "198.51.100.7"
    static let janeAgent = "JaneBrowser/1.0 (Erasure test)"

    @Test(
        "an erasure leaves no trace of the address, its spellings, IPs or user agents in any column; the statistics, other people and the suppression entry stay",
        arguments: Backend.all)
    func erasure(_ backend: Backend) async throws {
        let fresh = try await backend.make()
        let store = try await fresh.open()
        do {
            try await Self.check(store, location: fresh.location)
        } catch {
            await store.close()
            await fresh.dispose()
            throw error
        }
        await store.close()
        await fresh.dispose()
    }

    static func check(_ store: any Store, location: StoreLocation) async throws {
        let alice = try await store.createAccount(name: "a", key: .generate(), now: Date())
        let loop = try await Fixture.loop(store, account: alice.id, events: Set(EventType.allCases), format: .form)
        let start = Date(milliseconds: Date().milliseconds - 60_000)
        func message(_ recipient: String, link: String) -> Message {
            Message(
                id: .generate(), accountID: alice.id, recipient: recipient, tags: ["may"],
                links: [TrackedLink(kind: .click, index: 0, url: link, tags: [])], createdAt: start,
                messageIDHeader: MessageIDHeader("<m.\(UUID().uuidString)@shop.example>"))
        }
        let jane = message("Jane@Example.org", link: "https://shop.example/?u=jane@example.org")
        let janeAgain = message("jane@example.org", link: "https://shop.example/sale")
        let bob = message("bob@example.org", link: "https://shop.example/sale")
        try await store.insert([jane, janeAgain, bob])

        func hit(_ kind: TrackingHit.Kind, _ message: Message, ip: String, agent: String) -> Event {
            Event.tracking(
                TrackingHit(
                    kind: kind, message: message.id, linkIndex: kind == .click ? 0 : nil,
                    url: kind == .click ? message.links[0].url : nil, ip: ip, userAgent: agent,
                    referer: "https://mail.example/?to=" + message.recipient, isHead: false,
                    at: start.addingTimeInterval(30)),
                of: message)
        }
        let dsn = "Final-Recipient: rfc822; Jane@Example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        let events = [
            hit(.open, jane, ip: janeIP, agent: janeAgent), hit(.click, jane, ip: janeIP, agent: janeAgent),
            hit(.open, janeAgain, ip: janeIP, agent: janeAgent), hit(.open, bob, ip: "203.0.113.9", agent: "BobMail/2"),
            Event.returned(
                ReturnedMail(
                    kind: .bounce, message: janeAgain.id, mailFrom: "", rcptTo: ["bounces+x@b.example"], mime: dsn,
                    at: start.addingTimeInterval(40)), of: janeAgain),
            Event.report(
                MTAReport(
                    kind: .failure, message: janeAgain.id, state: "bounce", action: "failed", code: 550,
                    extended: "5.1.1", description: "550 5.1.1 <jane@example.org>: User unknown",
                    at: start.addingTimeInterval(40)), of: janeAgain),
        ]
        let entry = StoredSuppression(
            address: "jane@example.org", account: alice.id, reason: .hardBounce, eventID: events[5].id,
            now: start.addingTimeInterval(41))
        try await store.insert(
            events,
            suppressions: [
                .suppress(entry, event: entry.creationEvent()),
                .softBounce(account: alice.id, address: "jane@example.org", at: start, cause: events[5].id),
            ])

        // Deliveries sent, and a receiver that quoted back what it got.
        let claimed = try await store.claimDue(loop: loop.id, now: Date(), limit: 100, lease: Fixture.lease())
        #expect(claimed.count == events.count + 1)
        let results = claimed.map { delivery in
            let echo = Array("thanks for ".utf8) + (delivery.payload() ?? [])
            return DeliveryResult(
                delivery: delivery, body: delivery.payload() ?? [],
                attempt: DeliveryAttempt(
                    startedAt: Date(milliseconds: Date().milliseconds), durationMilliseconds: 5, status: 200,
                    errorClass: nil, error: nil,
                    responseHeaders: [.init(name: "X-Length", value: String(delivery.payload()?.count ?? 0))],
                    responseBody: echo, requestHeaders: [.init(name: "webhook-id", value: delivery.webhookID)]),
                next: .succeeded, disableLoop: nil)
        }
        #expect(try await store.record(results, now: Date()) == 0, "none refused")

        // Returned mail, and the relay's queue with a submission for both.
        for (id, text) in [
            ("inb_1", "To: bounces@b.example\r\n\r\n" + dsn), ("inb_2", "Final-Recipient: rfc822; bob@example.org"),
        ] {
            try await store.storeInbound(
                InboundMail(
                    id: id, receivedAt: start, peer: "192.0.2.1:25", helo: "mx.example", mailFrom: "",
                    rcptTo: ["bounces@b.example"], data: Array(text.utf8)))
        }
        let relayedJane = message("jane@example.org", link: "https://shop.example/")
        let relayedBob = message("bob@example.org", link: "https://shop.example/")
        let submission = RelaySubmission(
            accountID: alice.id, mailFrom: "news@shop.example", receivedAt: start,
            data: Array("To: jane@example.org, bob@example.org\r\nSubject: Hi\r\n\r\nHello\r\n".utf8))
        try await store.accept(
            submission, messages: [relayedJane, relayedBob],
            copies: [relayedJane, relayedBob].map {
                RelayCopy(
                    submissionID: submission.id, accountID: alice.id, messageID: $0.id, recipient: $0.recipient,
                    dueAt: start, expiresAt: start + 86400, updatedAt: start)
            })

        let query = StatisticsQuery(from: start.addingTimeInterval(-3600), to: Date() + 3600, interval: .seconds(3600))
        let before = try await store.statistics(of: alice.id, matching: query)
        let needles = [
            "jane@example.org", "jane%40example.org", janeIP, janeAgent.lowercased(),
            "janebrowser%2f1.0+%28erasure+test%29",
        ]
        #expect(try await DatabaseScan.find(needles, in: location).count > 10, "the scan finds what is there")

        let key = ErasedAddress(secret: try await store.secret(named: "erasure")).key(for: "jane@example.org")
        let pass = try await store.erase("jane@example.org", account: alice.id, key: key, messages: [])
        #expect(pass.counts.messages == 3 && pass.counts.relayCopies == 1 && pass.counts.relaySubmissions == 1)
        #expect(pass.counts.events == 6, "five of her messages' events and the suppression's own")
        #expect(pass.counts.deliveries == 6, "\(pass.counts)")
        #expect(pass.counts.attempts == 6, "every attempt of hers quoted her")
        #expect(pass.counts.returnedMail == 1 && pass.counts.softBounces == 1 && pass.counts.suppressions == 1)
        #expect(Set(pass.messages) == [jane.id.description, janeAgain.id.description, relayedJane.id.description])

        let traces = try await DatabaseScan.find(needles, in: location)
        #expect(traces == [], "no trace of her anywhere")
        #expect(
            try await DatabaseScan.find(["bob@example.org", "203.0.113.9", "bobmail/2"], in: location).count >= 4,
            "Bob is untouched")
        let after = try await store.statistics(of: alice.id, matching: query)
        #expect(after.totals == before.totals && after.buckets == before.buckets, "the counts stay")
        #expect(
            after.links.map(\.clicks) == before.links.map(\.clicks)
                && after.links.map(\.url) == ["https://shop.example/?u=[erased]"],
            "a link that named her is counted as before, without her")
        let kept = try await store.suppression(of: "jane@example.org", account: alice.id, at: Date())
        #expect(kept?.address == key && kept?.reason == .hardBounce, "she stays suppressed, as her key")
        #expect(try await store.messages([jane.id])[jane.id]?.recipient == "")

        let again = try await store.erase("jane@example.org", account: alice.id, key: key, messages: pass.messages)
        #expect(again.counts == ErasureCounts(), "a second run finds nothing more to do")
        let record = StoredErasure(account: alice.id, addressKey: key, counts: pass.counts, now: Date())
        try await store.insert(record)
        #expect(try await store.erasures(of: alice.id, before: nil, limit: 10) == [record])
        #expect(try await store.erasures(of: alice.id, before: record.id, limit: 10).isEmpty)
    }
}
