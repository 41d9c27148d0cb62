import Foundation
import OrderedCollections
import RicochetCore
import Testing

@testable import RicochetStore

/// What every backend must do alike: accounts, loops, messages, events,
/// secrets, images, keys, sessions, users, profiles, statistics, inbound mail.
@Suite("Store conformance")
struct StoreConformanceTests {
    @Test("of four stores making the first account of one empty database at once, one does", arguments: Backend.all)
    func firstAccount(_ backend: Backend) async throws {
        let fresh = try await backend.make()
        var stores: [any Store] = []
        do {
            for _ in 0..<4 { stores.append(try await fresh.open()) }
            let made = try await withThrowingTaskGroup(of: Account?.self) { group in
                for store in stores {
                    group.addTask { try await store.createFirstAccount(name: "default", key: .generate(), now: Date()) }
                }
                return try await group.reduce(into: [Account]()) { if let account = $1 { $0.append(account) } }
            }
            #expect(made.count == 1)
            #expect(try await stores[0].accounts().map(\.id) == made.map(\.id))
            #expect(try await stores[1].createFirstAccount(name: "again", key: .generate(), now: Date()) == nil)
        } catch {
            Issue.record(error)
        }
        for store in stores { await store.close() }
        await fresh.dispose()
    }

    @Test(
        "accounts are found by the hash of their key; keys are added only to accounts that exist",
        arguments: Backend.all)
    func accounts(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            #expect(try await store.hasAccounts() == false)
            let key = APIKey.generate()
            let account = try await store.createAccount(name: "a", key: key, now: Date())
            #expect(try await store.account(keyHash: key.hash)?.id == account.id)
            #expect(try await store.account(keyHash: APIKey.generate().hash) == nil)
            let second = APIKey.generate()
            try await store.addKey(second, to: account.id, now: Date())
            #expect(try await store.account(keyHash: second.hash)?.name == "a")
            await #expect(throws: StoreError.notFound) {
                try await store.addKey(.generate(), to: "acc_missing", now: Date())
            }
            #expect(try await store.accounts().map(\.id) == [account.id])
            try await store.checkReadWrite(now: Date())
        }
    }

    @Test(
        "loops: scoped to their account, subscriptions kept, stale revisions refused, secrets rotated",
        arguments: Backend.all)
    func loops(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let alice = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let bob = try await store.createAccount(name: "b", key: .generate(), now: Date())
            var loop = try await Fixture.loop(store, account: alice.id, events: [.open, .click, .profileUpdate])
            #expect(try await store.loop(loop.id, of: bob.id) == nil)
            #expect(try await store.loops(of: bob.id).isEmpty)
            let read = try #require(try await store.loop(loop.id, of: alice.id))
            #expect(
                read.events == [.open, .click, .profileUpdate] && read.url == loop.url && read.status == .validated)
            #expect(read.revision == loop.revision && read.validationFile == loop.validationFile)
            loop.events = [.bounce]
            loop.delivery.concurrency = 3
            let stale = loop
            loop = try await store.update(loop)
            #expect(try await store.loop(loop.id, of: alice.id)?.events == [.bounce])
            #expect(try await store.loop(loop.id, of: alice.id)?.delivery.concurrency == 3)
            await #expect(throws: StoreError.conflict) { _ = try await store.update(stale) }
            #expect(try await store.deliverableLoops().map(\.id) == [loop.id])

            let first = try await store.secrets(of: loop.id, at: Date())
            #expect(first.count == 1)
            let next = WebhookSecret.generate()
            let ends = try await store.rotateSecret(
                of: loop.id, account: alice.id, to: next, grace: 60, now: Date())
            #expect(try await store.secrets(of: loop.id, at: Date()).map(\.key) == [next.key, first[0].key])
            #expect(try await store.secrets(of: loop.id, at: ends.addingTimeInterval(1)).map(\.key) == [next.key])
            await #expect(throws: StoreError.notFound) {
                _ = try await store.rotateSecret(of: loop.id, account: bob.id, to: .generate(), grace: 0, now: Date())
            }
            #expect(try await store.delete(loop.id, of: bob.id) == false)
            #expect(try await store.delete(loop.id, of: alice.id))
            #expect(try await store.loop(loop.id, of: alice.id) == nil)
        }
    }

    @Test("messages by id, by account and by Message-ID header; events paged and filtered", arguments: Backend.all)
    func messagesAndEvents(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let message = Message(
                id: .generate(), accountID: account.id, recipient: "jane@example.com", tags: ["may"],
                links: [TrackedLink(kind: .click, index: 0, url: "https://shop.example/", tags: ["hero"])],
                createdAt: Date(milliseconds: Date().milliseconds), profileID: "prf_1",
                messageIDHeader: MessageIDHeader("<m1@example.com>"))
            try await store.insert([message])
            #expect(try await store.messages([message.id])[message.id] == message)
            #expect(try await store.message(message.id, of: account.id) == message)
            #expect(try await store.message(message.id, of: "acc_other") == nil)
            #expect(try await store.message(withHeader: MessageIDHeader("<m1@example.com>")!)?.id == message.id)

            let start = Date(milliseconds: Date().milliseconds - 10_000)
            let events = (0..<5).map { index in
                Fixture.event(
                    index % 2 == 0 ? .open : .click, account: account.id, at: start.addingTimeInterval(Double(index)),
                    tags: index == 4 ? ["vip"] : [])
            }
            try await store.insert(events)
            let page = try await store.events(of: account.id, matching: EventQuery(limit: 2))
            #expect(page.events.map(\.id) == [events[4].id, events[3].id])
            let rest = try await store.events(of: account.id, matching: EventQuery(before: page.next, limit: 10))
            #expect(rest.events.map(\.id) == [events[2].id, events[1].id, events[0].id])
            #expect(rest.next == nil)
            #expect(try await store.events(of: account.id, matching: EventQuery(type: .click)).events.count == 2)
            #expect(
                try await store.events(of: account.id, matching: EventQuery(tag: "vip")).events.map(\.id) == [
                    events[4].id
                ])
            #expect(try await store.events(of: "acc_other", matching: EventQuery()).events.isEmpty)
            #expect(page.events.first == events[4], "an event reads back as it was written")
        }
    }

    @Test("installation secrets, cached images, signing keys", arguments: Backend.all)
    func installation(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let secret = try await store.secret(named: "tracking")
            #expect(secret.count == 32)
            #expect(try await store.secret(named: "tracking") == secret)
            #expect(try await store.secret(named: "other") != secret)

            #expect(try await store.cachedImage(url: "https://i.example/a.png") == nil)
            let image = CachedImage(
                url: "https://i.example/a.png", contentType: "image/png", body: [1, 2, 3],
                fetchedAt: Date(milliseconds: 1000))
            try await store.cache(image)
            try await store.cache(image)
            #expect(try await store.cachedImage(url: image.url) == image)

            let now = Date(milliseconds: Date().milliseconds)
            try await store.addSigningKey(id: "k1", privateKey: "pem1", now: now, grace: 0)
            try await store.addSigningKey(id: "k2", privateKey: "pem2", now: now.addingTimeInterval(1), grace: 60)
            #expect(try await store.signingKeys(at: now.addingTimeInterval(2)).map(\.id) == ["k2", "k1"])
            #expect(try await store.signingKeys(at: now.addingTimeInterval(120)).map(\.id) == ["k2"])
        }
    }

    @Test("dashboard sessions expire; users are unique by address whatever its case", arguments: Backend.all)
    func dashboard(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let now = Date(milliseconds: Date().milliseconds)
            let session = DashboardSession(
                tokenHash: "h1", account: account, csrfToken: "c", createdAt: now, expiresAt: now.addingTimeInterval(60)
            )
            try await store.insertSession(session)
            #expect(try await store.session(tokenHash: "h1", now: now)?.account.id == account.id)
            #expect(try await store.session(tokenHash: "h1", now: now.addingTimeInterval(61)) == nil)
            #expect(try await store.pruneSessions(now: now.addingTimeInterval(61)) == 1)
            try await store.deleteSession(tokenHash: "h1")

            let id = try await store.createUser(
                email: "Jane@Example.com", account: account.id, passwordHash: "x", now: now)
            #expect(try await store.user(email: "jane@example.com")?.id == id)
            await #expect(throws: StoreError.conflict) {
                _ = try await store.createUser(
                    email: "JANE@example.com", account: account.id, passwordHash: "y", now: now)
            }
        }
    }

    @Test("profiles and subprofiles: conflicts, field filters, paging, and each change's event", arguments: Backend.all)
    func profiles(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let database = ProfileDatabase(id: "pdb_1", accountID: account.id, name: "customers", createdAt: Date())
            try await store.insert(database)
            await #expect(throws: StoreError.conflict) {
                try await store.insert(
                    ProfileDatabase(id: "pdb_2", accountID: account.id, name: "customers", createdAt: Date()))
            }
            let now = Date(milliseconds: Date().milliseconds)
            var profiles: [Profile] = []
            for index in 0..<3 {
                let profile = Profile(
                    id: "prf_\(index)", accountID: account.id, databaseID: database.id,
                    fields: ["city": index == 1 ? "Köln" : "Paris", "n": "\(index)"], interests: ["shoes"],
                    createdAt: now, modifiedAt: now)
                try await store.insert(profile, event: Fixture.event(.profileCreate, account: account.id))
                profiles.append(profile)
            }
            #expect(try await store.profile("prf_1", of: account.id) == profiles[1])
            #expect(try await store.profiles(["prf_0", "prf_2"]).count == 2)
            let paris = try await store.profiles(
                in: database.id, of: account.id, where: ["city": "Paris"], after: nil, limit: 10)
            #expect(paris.map(\.id) == ["prf_0", "prf_2"])
            let page = try await store.profiles(in: database.id, of: account.id, where: [:], after: "prf_0", limit: 1)
            #expect(page.map(\.id) == ["prf_1"])
            var changed = profiles[0]
            changed.fields["city"] = "Lyon"
            try await store.update(changed, event: Fixture.event(.profileUpdate, account: account.id))
            #expect(try await store.profile("prf_0", of: account.id)?.fields["city"] == "Lyon")
            #expect(
                try await store.deleteProfile(profiles[2], event: Fixture.event(.profileDelete, account: account.id)))
            #expect(
                try await store.deleteProfile(profiles[2], event: Fixture.event(.profileDelete, account: account.id))
                    == false)
            #expect(
                try await store.events(of: account.id, matching: EventQuery()).events.count == 5,
                "an event per change that happened")

            let collection = ProfileCollection(
                id: "col_1", accountID: account.id, databaseID: database.id, name: "orders", createdAt: now)
            try await store.insert(collection)
            await #expect(throws: StoreError.conflict) {
                try await store.insert(
                    ProfileCollection(
                        id: "col_2", accountID: account.id, databaseID: database.id, name: "orders", createdAt: now))
            }
            #expect(try await store.collections(in: database.id, of: account.id).map(\.id) == ["col_1"])
            let subprofile = Subprofile(
                id: "sub_1", accountID: account.id, databaseID: database.id, collectionID: collection.id,
                profileID: "prf_0", fields: ["total": "12"], createdAt: now, modifiedAt: now)
            try await store.insert(subprofile, event: Fixture.event(.profileUpdate, account: account.id))
            #expect(try await store.subprofile("sub_1", of: account.id) == subprofile)
            #expect(
                try await store.subprofiles(
                    in: collection.id, of: account.id, where: ["total": "12"], after: nil, limit: 5
                )
                .map(\.id) == ["sub_1"])
            #expect(
                try await store.deleteSubprofile(subprofile, event: Fixture.event(.profileUpdate, account: account.id)))
        }
    }

    @Test("statistics count per bucket and type, unique messages and machines; top links", arguments: Backend.all)
    func statistics(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let start = Date(milliseconds: 1_800_000_000_000)
            let message = MessageID.generate()
            func hit(_ type: EventType, _ offset: TimeInterval, machine: Bool = false) -> Event {
                Event(
                    id: Event.newID(), accountID: account.id, type: type, message: message,
                    occurredAt: start.addingTimeInterval(offset), machineReason: machine ? "prefetch" : nil,
                    variables: ["type": .string(type.rawValue), "original": "https://shop.example/", "tags": ["may"]])
            }
            try await store.insert([hit(.open, 10), hit(.open, 20, machine: true), hit(.click, 4000), hit(.open, 9000)])
            let statistics = try await store.statistics(
                of: account.id,
                matching: StatisticsQuery(
                    from: start, to: start.addingTimeInterval(7200), tag: "may", interval: .seconds(3600)))
            #expect(statistics.totals[.open] == EventCounts(total: 2, unique: 1, machine: 1))
            #expect(statistics.buckets.count == 2)
            #expect(statistics.buckets[1].counts[.click]?.total == 1)
            #expect(statistics.links == [Statistics.Link(url: "https://shop.example/", clicks: 1, unique: 1)])
            let untagged = try await store.statistics(
                of: account.id,
                matching: StatisticsQuery(
                    from: start, to: start.addingTimeInterval(7200), tag: "june", interval: .seconds(3600)))
            #expect(untagged.totals.isEmpty)
        }
    }

    @Test(
        "inbound mail is kept as it came, claimed by one node, made into events once, and pruned after",
        arguments: Backend.all)
    func inbound(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let mail = InboundMail(
                id: "inb_1", receivedAt: Date(milliseconds: 1000), peer: nil, helo: "mx.example", mailFrom: "",
                rcptTo: ["b+1@bounce.example"], data: Array("Subject: x\r\n\r\nbody\r\n".utf8))
            try await store.storeInbound(mail)
            let now = Date()
            #expect(try await store.claimInbound(limit: 10, holder: "a#1", until: now + 300, now: now) == [mail])
            #expect(
                try await store.claimInbound(limit: 10, holder: "b#1", until: now + 300, now: now).isEmpty,
                "claimed by another node")
            #expect(
                try await store.claimInbound(limit: 10, holder: "b#1", until: now + 900, now: now + 301) == [mail],
                "a claim that expired is taken over")
            try await store.markInboundProcessed(["inb_1"], now: Date(milliseconds: 2000))
            try await store.markInboundProcessed(["inb_1"], now: Date(milliseconds: 9000))
            #expect(try await store.claimInbound(limit: 10, holder: "a#1", until: now + 2000, now: now + 1000).isEmpty)
            #expect(
                try await store.pruneInbound(processedBefore: Date(milliseconds: 3000)) == 1, "the first mark stays")
        }
    }
}

extension StoreConformanceTests {
    @Test(
        "a periodic job runs on one node a period; wrong passwords are counted for every node", arguments: Backend.all)
    func sharedChores(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let now = Date()
            #expect(try await store.runsJob("prune", holder: "a#1", every: 3600, now: now))
            #expect(try await store.runsJob("prune", holder: "b#1", every: 3600, now: now + 60) == false)
            #expect(try await store.runsJob("prune", holder: "b#1", every: 3600, now: now + 3601))
            #expect(try await store.runsJob("other", holder: "a#1", every: 3600, now: now + 60), "jobs are apart")

            #expect(try await store.signInFailures(email: "ops@example.com", since: now - 900) == 0)
            for _ in 0..<3 { try await store.recordSignInFailure(email: "Ops@Example.com", now: now, window: 900) }
            #expect(try await store.signInFailures(email: "ops@example.com", since: now - 900) == 3)
            try await store.recordSignInFailure(email: "ops@example.com", now: now + 1000, window: 900)
            #expect(try await store.signInFailures(email: "ops@example.com", since: now + 100) == 1, "a new window")
            try await store.clearSignInFailures(email: "OPS@example.com")
            #expect(try await store.signInFailures(email: "ops@example.com", since: now) == 0)
        }
    }
}

extension StoreConformanceTests {
    @Test(
        "one batch of events and one of results, with and without their optional values, read back as written",
        arguments: Backend.all)
    func optionalValuesInBatches(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let loop = try await Fixture.loop(store, account: account.id, events: [.open])
            let at = Date(milliseconds: Date().milliseconds - 1000)
            let message = MessageID.generate()
            let events = [
                Event(
                    id: Event.newID(at: at), accountID: account.id, type: .open, message: message, occurredAt: at,
                    machineReason: "prefetch", variables: ["type": "open", "note": ""]),
                Event(
                    id: Event.newID(at: at + 1), accountID: account.id, type: .open, message: nil,
                    occurredAt: at + 1, machineReason: nil, variables: ["type": "open"]),
            ]
            try await store.insert(events)
            #expect(try await store.events(of: account.id, matching: EventQuery()).events == events.reversed())

            let claimed = try await store.claimDue(loop: loop.id, now: Date(), limit: 10, lease: Fixture.lease())
            try #require(claimed.count == 2)
            let answered = Fixture.result(claimed[0])
            let retryAt = Date(milliseconds: Date().milliseconds + 60_000)
            let unanswered = DeliveryResult(
                delivery: claimed[1], body: [],
                attempt: DeliveryAttempt(
                    startedAt: Date(milliseconds: Date().milliseconds), durationMilliseconds: 10_000, status: nil,
                    errorClass: "timeout", error: "no answer within 10 s", responseHeaders: [], responseBody: [],
                    requestHeaders: []),
                next: .retry(at: retryAt), disableLoop: nil)
            #expect(try await store.record([answered, unanswered], now: Date()) == 0)

            let (first, firstAttempts) = try #require(try await store.delivery(claimed[0].id, account: account.id))
            #expect(first.status == .succeeded && first.lastStatus == 200 && first.lastError == nil)
            #expect(firstAttempts == [answered.attempt])
            let (second, secondAttempts) = try #require(try await store.delivery(claimed[1].id, account: account.id))
            #expect(second.status == .queued && second.dueAt == retryAt && second.attempts == 1)
            #expect(second.lastStatus == nil && second.lastError == "no answer within 10 s")
            #expect(second.body == claimed[1].payload(), "a JSON body is its event's variables")
            #expect(secondAttempts == [unanswered.attempt])
        }
    }
}

extension StoreConformanceTests {
    @Test(
        "DKIM keys: one per account, domain and selector, newest first, read back to sign, scoped to their account",
        arguments: Backend.all)
    func dkimKeys(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let alice = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let bob = try await store.createAccount(name: "b", key: .generate(), now: Date())
            let first = StoredDKIMKey(
                try DKIMKey.generate(domain: "shop.example", selector: "s1", algorithm: .rsa), account: alice.id,
                now: Date(milliseconds: 1000))
            let second = StoredDKIMKey(
                try DKIMKey.generate(domain: "shop.example", selector: "s2", algorithm: .ed25519),
                account: alice.id, now: Date(milliseconds: 2000))
            try await store.insert(first)
            try await store.insert(second)
            #expect(try await store.dkimKeys(of: alice.id) == [second, first])
            #expect(try await store.dkimKeys(of: alice.id).first?.key().dnsValue == second.key().dnsValue)
            await #expect(throws: StoreError.conflict) {
                try await store.insert(
                    StoredDKIMKey(
                        try DKIMKey.generate(domain: "shop.example", selector: "s1", algorithm: .ed25519),
                        account: alice.id, now: Date()))
            }
            await #expect(throws: StoreError.notFound) {
                try await store.insert(
                    StoredDKIMKey(
                        try DKIMKey.generate(domain: "x.example", selector: "s1", algorithm: .ed25519),
                        account: "acc_missing", now: Date()))
            }
            #expect(try await store.dkimKeys(of: bob.id).isEmpty)
            #expect(try await store.deleteDKIMKey(first.id, of: bob.id) == false, "another account's key stays")
            #expect(try await store.deleteDKIMKey(first.id, of: alice.id))
            #expect(try await store.dkimKeys(of: alice.id) == [second])
        }
    }
}

extension StoreConformanceTests {
    @Test(
        "suppressions: one entry per address, replaced by a newer one, in force until it expires, paged newest first by reason, scoped to their account",
        arguments: Backend.all)
    func suppressions(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let alice = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let bob = try await store.createAccount(name: "b", key: .generate(), now: Date())
            let start = Date(milliseconds: 1_800_000_000_000)
            func entry(_ address: String, _ reason: SuppressionReason, at offset: Double, expires: Double? = nil)
                -> StoredSuppression
            {
                StoredSuppression(
                    address: address, account: alice.id, reason: reason, eventID: "evt_\(address.prefix(1))",
                    now: start.addingTimeInterval(offset), expiresAt: expires.map { start.addingTimeInterval($0) })
            }
            let bounced = entry("gone@example.org", .hardBounce, at: 0)
            let complained = entry("angry@example.org", .complaint, at: 1)
            let manual = entry("temp@example.org", .manual, at: 2, expires: 60)
            for suppression in [bounced, complained, manual] {
                try await store.suppress(suppression, event: suppression.creationEvent())
            }
            let created = try await store.events(of: alice.id, matching: EventQuery(type: .suppressionCreate))
            #expect(
                created.events.map { $0.variables.field("address")?.text } == [
                    "temp@example.org", "angry@example.org", "gone@example.org",
                ], "each entry recorded with its suppression.create event")

            #expect(try await store.suppression(of: "gone@example.org", account: alice.id, at: start) == bounced)
            #expect(try await store.suppression(of: "gone@example.org", account: bob.id, at: start) == nil)
            #expect(try await store.suppression(of: "temp@example.org", account: alice.id, at: start) == manual)
            #expect(
                try await store.suppression(of: "temp@example.org", account: alice.id, at: start.addingTimeInterval(60))
                    == nil, "expired at its expiry")

            let all = try await store.suppressions(of: alice.id, reason: nil, before: nil, limit: 10)
            #expect(all == [manual, complained, bounced])
            let page = try await store.suppressions(of: alice.id, reason: nil, before: nil, limit: 2)
            #expect(page == [manual, complained])
            #expect(
                try await store.suppressions(of: alice.id, reason: nil, before: page.last?.id, limit: 2) == [bounced])
            #expect(
                try await store.suppressions(of: alice.id, reason: .complaint, before: nil, limit: 10) == [complained])
            #expect(try await store.suppressions(of: bob.id, reason: nil, before: nil, limit: 10).isEmpty)

            let again = entry("gone@example.org", .complaint, at: 3)
            try await store.suppress(again, event: again.creationEvent())
            #expect(try await store.suppression(of: "gone@example.org", account: alice.id, at: start) == again)
            #expect(
                try await store.suppressions(of: alice.id, reason: nil, before: nil, limit: 10).map(\.address) == [
                    "gone@example.org", "temp@example.org", "angry@example.org",
                ], "the replaced entry is one entry, sorted as new")

            await #expect(throws: StoreError.notFound) {
                let missing = StoredSuppression(
                    address: "x@example.org", account: "acc_missing", reason: .manual, eventID: nil, now: start)
                try await store.suppress(missing, event: missing.creationEvent())
            }
            let removedAt = start.addingTimeInterval(5)
            #expect(try await store.deleteSuppression(of: "angry@example.org", account: bob.id, now: removedAt) == nil)
            #expect(
                try await store.deleteSuppression(of: "angry@example.org", account: alice.id, now: removedAt)
                    == complained)
            #expect(try await store.suppression(of: "angry@example.org", account: alice.id, at: start) == nil)
            let deleted = try await store.events(of: alice.id, matching: EventQuery(type: .suppressionDelete)).events
            #expect(deleted.count == 1, "one deletion, one event; none for bob's miss")
            #expect(deleted.first?.variables.field("address")?.text == "angry@example.org")
            #expect(deleted.first?.variables.field("reason")?.text == "complaint")
            #expect(deleted.first?.variables.field("suppression")?.text == complained.id)
            #expect(try await store.events(of: bob.id, matching: EventQuery()).events.isEmpty)
        }
    }
}

extension StoreConformanceTests {
    @Test(
        "recording events with suppression writes: soft bounces counted in their window, an entry forgets them, all in one transaction; settings per account",
        arguments: Backend.all)
    func automaticSuppressions(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let alice = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let bob = try await store.createAccount(name: "b", key: .generate(), now: Date())
            #expect(try await store.settings(of: alice.id) == .defaults)
            let strict = AccountSettings(
                suppression: SuppressionSettings(softBounceLimit: 2, softBounceDays: 3, messagesMode: .warn),
                eventRetentionDays: 30)
            try await store.setSettings(strict, of: alice.id)
            #expect(try await store.settings(of: alice.id) == strict)
            #expect(try await store.settings(of: bob.id) == .defaults)
            #expect(try await store.eventRetentions().map(\.account) == [alice.id])
            await #expect(throws: StoreError.notFound) { try await store.settings(of: "acct_missing") }
            await #expect(throws: StoreError.notFound) { try await store.setSettings(strict, of: "acct_missing") }

            let start = Date(milliseconds: 1_800_000_000_000)
            func failure(_ offset: Double) -> Event {
                Event(
                    id: Event.newID(), accountID: alice.id, type: .failure, message: nil,
                    occurredAt: start.addingTimeInterval(offset), machineReason: nil, variables: ["type": "failure"])
            }
            let first = failure(0)
            let second = failure(10)
            try await store.insert(
                [first, second],
                suppressions: [
                    .softBounce(account: alice.id, address: "full@example.org", at: first.occurredAt, cause: first.id),
                    .softBounce(
                        account: alice.id, address: "full@example.org", at: second.occurredAt, cause: second.id),
                ])
            #expect(try await store.softBounces(of: "full@example.org", account: alice.id, since: start) == 2)
            #expect(
                try await store.softBounces(
                    of: "full@example.org", account: alice.id, since: start.addingTimeInterval(5)) == 1,
                "only those in the window")
            #expect(try await store.softBounces(of: "full@example.org", account: bob.id, since: start) == 0)
            let old = Event(
                id: Event.newID(), accountID: bob.id, type: .failure, message: nil,
                occurredAt: start.addingTimeInterval(-400 * 86400), machineReason: nil, variables: ["type": "failure"])
            try await store.insert(
                [old],
                suppressions: [
                    .softBounce(account: bob.id, address: "full@example.org", at: old.occurredAt, cause: old.id)
                ]
            )
            #expect(try await store.pruneSoftBounces(before: start) == 1, "only the one before the cutoff")
            #expect(try await store.softBounces(of: "full@example.org", account: alice.id, since: .distantPast) == 2)

            let third = failure(20)
            let entry = StoredSuppression(
                address: "full@example.org", account: alice.id, reason: .hardBounce, eventID: third.id,
                now: third.occurredAt)
            let creation = entry.creationEvent()
            try await store.insert([third], suppressions: [.suppress(entry, event: creation)])
            #expect(try await store.suppression(of: "full@example.org", account: alice.id, at: start) == entry)
            #expect(try await store.softBounces(of: "full@example.org", account: alice.id, since: start) == 0)
            let recorded = try await store.events(of: alice.id, matching: EventQuery()).events.map(\.id)
            #expect(Set(recorded) == [first.id, second.id, third.id, creation.id])

            // A write that fails takes its events with it.
            let fourth = failure(30)
            let broken = StoredSuppression(
                address: "x@example.org", account: "acct_missing", reason: .complaint, eventID: fourth.id,
                now: fourth.occurredAt)
            await #expect(throws: (any Error).self) {
                try await store.insert([fourth], suppressions: [.suppress(broken, event: broken.creationEvent())])
            }
            #expect(try await store.events(of: alice.id, matching: EventQuery()).events.count == 4)
        }
    }
}

extension StoreConformanceTests {
    @Test(
        "events past an account's retention go with their deliveries; newer ones and other accounts' stay",
        arguments: Backend.all)
    func eventRetention(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let alice = try await store.createAccount(name: "a", key: .generate(), now: Date())
            let bob = try await store.createAccount(name: "b", key: .generate(), now: Date())
            _ = try await Fixture.loop(store, account: alice.id, events: [.open])
            let now = Date()
            let old = Fixture.event(.open, account: alice.id, at: now.addingTimeInterval(-10 * 86400))
            let recent = Fixture.event(.open, account: alice.id, at: now.addingTimeInterval(-86400))
            let bobs = Fixture.event(.open, account: bob.id, at: now.addingTimeInterval(-10 * 86400))
            try await store.insert([old, recent, bobs])
            #expect(try await store.pruneEvents(of: alice.id, before: now.addingTimeInterval(-7 * 86400)) == 1)
            #expect(try await store.events(of: alice.id, matching: EventQuery()).events.map(\.id) == [recent.id])
            #expect(try await store.events(of: bob.id, matching: EventQuery()).events.map(\.id) == [bobs.id])
            let queued = try await store.claimDue(
                loop: (try await store.loops(of: alice.id))[0].id, now: Date(), limit: 10, lease: Fixture.lease())
            #expect(queued.map(\.webhookID) == [recent.id], "the old event's delivery went with it")
        }
    }
}
