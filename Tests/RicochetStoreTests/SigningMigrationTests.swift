import Foundation
import Logging
import RicochetCore
import Testing

@testable import RicochetPostgres
@testable import RicochetSQLite
@testable import RicochetStore

/// Loops made before signature schemes could be chosen keep sending what
/// they sent (Standard Webhooks and the classic RSA signature, v1a where
/// they had a key); the installation's keys of then are its RSA keys.
@Suite("The migration to signature schemes")
struct SigningMigrationTests {
    /// Two loops of one account, one with a v1a key, and an RSA key, as the
    /// store writes them today.
    static func populate(_ store: any Store) async throws -> (account: String, plain: String, keyed: String) {
        let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
        let plain = FeedbackLoop.register(
            accountID: account.id, url: try LoopURL("https://r.example/a"), events: [.open], format: .json,
            description: "", now: Date())
        var keyed = FeedbackLoop.register(
            accountID: account.id, url: try LoopURL("https://r.example/b"), events: [.open], format: .json,
            description: "", now: Date())
        keyed.ed25519Key = [UInt8](repeating: 7, count: 32)
        try await store.insert(plain, secret: .generate())
        try await store.insert(keyed, secret: .generate())
        try await store.addSigningKey(id: "rsa1", privateKey: "-----BEGIN RSA PRIVATE KEY-----", now: Date(), grace: 0)
        return (account.id, plain.id, keyed.id)
    }

    static func expectMigrated(_ store: any Store, _ ids: (account: String, plain: String, keyed: String)) async throws
    {
        let loops = try await store.loops(of: ids.account)
        let byID = Dictionary(uniqueKeysWithValues: loops.map { ($0.id, $0) })
        #expect(byID[ids.plain]?.signing == [.standardWebhooks, .classicRSA])
        #expect(byID[ids.keyed]?.signing == [.standardWebhooks, .standardWebhooksEd25519, .classicRSA])
        #expect(try await store.signingKeys(.rsa, at: Date()).map(\.id) == ["rsa1"])
        #expect(try await store.signingKeys(.ed25519, at: Date()).isEmpty)
    }

    @Test("SQLite: schema 21 to 22")
    func sqlite() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.open()
        let ids = try await Self.populate(store)
        // Back to how version 21 left the tables (and without what later versions add).
        try await store.database.write { connection in
            _ = try await connection.query("DROP TABLE suppressions")
            _ = try await connection.query("DROP TABLE soft_bounces")
            _ = try await connection.query("DROP TABLE erasures")
            _ = try await connection.query("DROP INDEX messages_recipient")
            for column in ["soft_bounce_limit", "soft_bounce_days", "messages_suppression", "event_retention_days"] {
                _ = try await connection.query("ALTER TABLE accounts DROP COLUMN \(column)")
            }
            _ = try await connection.query("ALTER TABLE loops DROP COLUMN signing")
            _ = try await connection.query("ALTER TABLE signing_keys DROP COLUMN algorithm")
            _ = try await connection.query("PRAGMA user_version = 21")
        }
        await store.close()
        let migrated = try await database.open()
        try await Self.expectMigrated(migrated, ids)
        await migrated.close()
    }

    @Test("PostgreSQL: schema 6 to 7", .enabled(if: Backend.all.contains(.postgres)))
    func postgres() async throws {
        let fresh = try await Backend.postgres.make()
        guard case .postgres(let location) = fresh.location else { throw Backend.BackendMissing() }
        let store = try await PostgresStore.open(location, logger: Logger(label: "test"))
        let ids = try await Self.populate(store)
        await store.close()
        for statement in [
            "DROP TABLE suppressions", "DROP TABLE soft_bounces", "DROP TABLE erasures",
            "DROP INDEX messages_recipient",
            "ALTER TABLE loops DROP COLUMN signing",
            "ALTER TABLE accounts DROP COLUMN soft_bounce_limit", "ALTER TABLE accounts DROP COLUMN soft_bounce_days",
            "ALTER TABLE accounts DROP COLUMN messages_suppression",
            "ALTER TABLE accounts DROP COLUMN event_retention_days",
            "ALTER TABLE signing_keys DROP COLUMN algorithm",
            "UPDATE ricochet_schema SET version = 6",
        ] {
            try await Backend.admin(location, statement)
        }
        let migrated = try await PostgresStore.open(location, logger: Logger(label: "test"))
        try await Self.expectMigrated(migrated, ids)
        await migrated.close()
        await fresh.dispose()
    }
}
