import Foundation
import Logging
import RicochetCore
import RicochetPostgres
import RicochetSQLite
import Testing

@testable import RicochetStore

/// `ricochet copy`: a SQLite installation into an empty PostgreSQL database.
@Suite("Copying an installation")
struct CopyTests {
    static let targets = Backend.all.filter { $0 == .postgres }

    @Test(
        "everything an installation holds arrives, ids and sequences kept; a delivery under way is queued again; a database that holds data is refused",
        arguments: targets)
    func copies(_ backend: Backend) async throws {
        let from = try await Backend.sqlite.make()
        let to = try await backend.make()
        defer { Task { await from.dispose() } }
        guard case .sqlite(let path) = from.location, case .postgres(let location) = to.location else { return }
        let logger = Logger(label: "test")
        let source = try await SQLiteStore.open(path: path, logger: logger)
        let target: PostgresStore
        do {
            target = try await PostgresStore.open(location, logger: logger)
        } catch {
            await source.close()
            await to.dispose()
            throw error
        }
        do {
            try await fill(source, copyingTo: target)
        } catch {
            Issue.record(error)
        }
        await source.close()
        await target.close()
        await to.dispose()
    }

    private func fill(_ source: SQLiteStore, copyingTo target: PostgresStore) async throws {
        let key = APIKey.generate()
        let alice = try await source.createAccount(name: "alice", key: key, now: Date())
        let user = try await source.createUser(
            email: "jane@example.com", account: alice.id, passwordHash: "hash", now: Date())
        let loop = try await Fixture.loop(source, account: alice.id, events: [.open, .click])
        let secret = try await source.secret(named: "tracking")
        try await source.addSigningKey(id: "key_1", privateKey: "PEM", now: Date(), grace: 0)
        let dkim = StoredDKIMKey(
            try DKIMKey.generate(domain: "shop.example", selector: "s1", algorithm: .ed25519), account: alice.id,
            now: Date())
        try await source.insert(dkim)
        let suppressed = StoredSuppression(
            address: "gone@example.org", account: alice.id, reason: .hardBounce, eventID: "evt_1", now: Date())
        try await source.suppress(suppressed, event: suppressed.creationEvent())
        let soft = Fixture.event(.failure, account: alice.id)
        try await source.insert(
            [soft],
            suppressions: [.softBounce(account: alice.id, address: "full@example.org", at: Date(), cause: soft.id)])
        try await source.setSettings(
            .init(suppression: .init(softBounceLimit: 3, softBounceDays: 7), eventRetentionDays: 90), of: alice.id)
        let message = Message(
            id: .generate(), accountID: alice.id, recipient: "jane@example.com", tags: ["may"],
            links: [TrackedLink(kind: .click, index: 0, url: "https://shop.example/", tags: ["hero"])],
            createdAt: Date(milliseconds: Date().milliseconds), profileID: "prf_1",
            messageIDHeader: MessageIDHeader("<m1@example.com>"))
        try await source.insert([message])
        let now = Date(milliseconds: Date().milliseconds)
        try await source.insert(ProfileDatabase(id: "pdb_1", accountID: alice.id, name: "customers", createdAt: now))
        let profile = Profile(
            id: "prf_1", accountID: alice.id, databaseID: "pdb_1", fields: ["city": "Köln"], interests: ["shoes"],
            createdAt: now, modifiedAt: now)
        try await source.insert(profile, event: Fixture.event(.profileCreate, account: alice.id))
        try await source.insert(
            ProfileCollection(id: "col_1", accountID: alice.id, databaseID: "pdb_1", name: "orders", createdAt: now))
        let subprofile = Subprofile(
            id: "sub_1", accountID: alice.id, databaseID: "pdb_1", collectionID: "col_1", profileID: "prf_1",
            fields: ["total": "12"], createdAt: now, modifiedAt: now)
        try await source.insert(subprofile, event: Fixture.event(.profileUpdate, account: alice.id))
        let opens = (0..<3).map { _ in Fixture.event(.open, account: alice.id) }
        try await source.insert(opens)
        let underWay = try await source.claimDue(loop: loop.id, now: Date(), limit: 1, lease: Fixture.lease())
        #expect(underWay.count == 1)
        try await source.storeInbound(
            InboundMail(
                id: "inb_1", receivedAt: now, peer: "192.0.2.1", helo: "mx.example", mailFrom: "",
                rcptTo: ["bounces@example.org"], data: Array("Subject: x\r\n\r\nbody".utf8)))
        #expect(try await source.claimInbound(limit: 10, holder: "node#1", until: Date() + 300, now: Date()).count == 1)
        let relayed = Message(
            id: .generate(), accountID: alice.id, recipient: "joe@example.com", tags: [], links: [], createdAt: now)
        let submission = RelaySubmission(
            accountID: alice.id, mailFrom: "app@shop.example", receivedAt: now, data: [1, 2])
        try await source.accept(
            submission, messages: [relayed],
            copies: [
                RelayCopy(
                    submissionID: submission.id, accountID: alice.id, messageID: relayed.id,
                    recipient: relayed.recipient, dueAt: now, expiresAt: now + 86400, updatedAt: now)
            ])
        #expect(try await source.claimRelayCopies(now: Date(), limit: 1, lease: Fixture.lease()).count == 1)
        try await source.cache(
            CachedImage(url: "https://cdn.example/a.png", contentType: "image/png", body: [1, 2, 3], fetchedAt: now))

        // Pages of two: every table of more than two rows takes several.
        let report = try await InstallationCopy.copy(from: source, to: target, pageSize: 2)
        let counts = Dictionary(uniqueKeysWithValues: report.rows.map { ($0.table, $0.count) })
        #expect(counts["accounts"] == 1 && counts["events"] == 7 && counts["deliveries"] == 3)
        #expect(report.rows.map(\.table) == InstallationCopy.tables)

        #expect(try await target.account(keyHash: key.hash)?.id == alice.id, "the account's key works")
        #expect(try await target.user(email: "jane@example.com")?.id == user)
        #expect(try await target.loops(of: alice.id) == source.loops(of: alice.id))
        #expect(try await target.secrets(of: loop.id, at: Date()) == source.secrets(of: loop.id, at: Date()))
        #expect(try await target.secret(named: "tracking") == secret, "links already sent still verify")
        #expect(try await target.signingKeys(at: Date()) == source.signingKeys(at: Date()))
        #expect(try await target.dkimKeys(of: alice.id) == [dkim], "relayed mail is signed as before")
        #expect(
            try await target.suppression(of: "gone@example.org", account: alice.id, at: Date()) == suppressed,
            "a suppressed address stays suppressed")
        #expect(
            try await target.softBounces(of: "full@example.org", account: alice.id, since: .distantPast) == 1,
            "soft bounces still count")
        #expect(
            try await target.settings(of: alice.id)
                == .init(suppression: .init(softBounceLimit: 3, softBounceDays: 7), eventRetentionDays: 90))
        #expect(try await target.messages([message.id])[message.id] == message)
        #expect(try await target.profile("prf_1", of: alice.id) == profile)
        #expect(try await target.subprofile("sub_1", of: alice.id) == subprofile)
        #expect(
            try await target.events(of: alice.id, matching: EventQuery()).events
                == source.events(of: alice.id, matching: EventQuery()).events)
        #expect(try await target.cachedImage(url: "https://cdn.example/a.png")?.body == [1, 2, 3])
        #expect(
            try await target.claimRelayCopies(now: Date(), limit: 10, lease: Fixture.lease()).map(\.data) == [[1, 2]],
            "a copy being sent is queued again, with its submission")

        let queued = try await target.claimDue(
            loop: loop.id, now: Date(), limit: 10, lease: Fixture.lease("node-b#1"))
        #expect(
            Set(queued.map(\.webhookID)) == Set(opens.map(\.id)),
            "the delivery under way at the source is queued again, the others still are")
        let mail = try await target.claimInbound(limit: 10, holder: "node-b#1", until: Date() + 300, now: Date())
        #expect(mail.map(\.id) == ["inb_1"], "claimed returned mail is claimable again")

        let later = Fixture.event(.click, account: alice.id)
        try await target.insert([later])
        let next = try await target.claimDue(loop: loop.id, now: Date(), limit: 10, lease: Fixture.lease("node-b#1"))
        #expect(next.map(\.webhookID) == [later.id], "new rows take numbers after the copied ones")
        #expect(next.allSatisfy { delivery in queued.allSatisfy { $0.seq < delivery.seq } })

        await #expect(throws: InstallationCopy.Failure.self) {
            _ = try await InstallationCopy.copy(from: source, to: target)
        }
    }
}
