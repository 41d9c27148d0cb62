import Foundation
import RicochetCore
import SQLiteNIO
import Testing

@testable import RicochetSQLite
@testable import RicochetStore

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("a new file is created in WAL mode at the latest schema version")
    func migrates() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.open()
        let mode = try await store.database.read("PRAGMA journal_mode").first?.column("journal_mode")?.string
        let version = try await store.database.read("PRAGMA user_version").first?.column("user_version")?.integer
        #expect(mode == "wal")
        #expect(version == SQLiteSchema.latestVersion)
        await store.close()
        // Opening again is a no-op.
        let again = try await database.open()
        await again.close()
    }

    @Test("a database from a newer version is refused with a clear message")
    func newerSchema() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let connection = try await SQLiteConnection.open(storage: .file(path: database.path))
        _ = try await connection.query("PRAGMA user_version = 99")
        try await connection.close()
        await #expect(throws: StoreError.newerSchema(found: 99, supported: SQLiteSchema.latestVersion)) {
            _ = try await database.open()
        }
        #expect(StoreError.newerSchema(found: 99, supported: 1).description.contains("newer version of ricochet"))
    }

    @Test("accounts are found by the hash of their key, and only by it")
    func accounts() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.open()
        #expect(try await store.hasAccounts() == false)
        let key = APIKey.generate()
        let account = try await store.createAccount(name: "Acme", key: key, now: Date())
        #expect(try await store.hasAccounts())
        #expect(try await store.account(keyHash: key.hash)?.id == account.id)
        #expect(try await store.account(keyHash: APIKey.generate().hash) == nil)
        let stored = try await store.database.read("SELECT hash FROM api_keys").map { $0.column("hash")?.string }
        #expect(stored == [key.hash])
        await store.close()
    }

    @Test("loops are scoped to their account")
    func scoping() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.open()
        let alice = try await store.createAccount(name: "a", key: .generate(), now: Date())
        let bob = try await store.createAccount(name: "b", key: .generate(), now: Date())
        let loop = FeedbackLoop.register(
            accountID: alice.id, url: try LoopURL("https://a.example/hook"), events: [.open, .profileUpdate],
            format: .json, description: "d", now: Date(timeIntervalSince1970: 1_700_000_000))
        try await store.insert(loop, secret: .generate())
        #expect(try await store.loop(loop.id, of: alice.id) == loop)
        #expect(try await store.loop(loop.id, of: bob.id) == nil)
        #expect(try await store.loops(of: bob.id).isEmpty)
        #expect(try await store.delete(loop.id, of: bob.id) == false)
        var stolen = loop
        stolen = FeedbackLoop(
            id: loop.id, accountID: bob.id, url: loop.url, events: [], format: .form, description: "",
            status: .validated, validationFile: loop.validationFile, validatedAt: nil, createdAt: loop.createdAt,
            updatedAt: loop.updatedAt, revision: loop.revision)
        await #expect(throws: StoreError.notFound) { _ = try await store.update(stolen) }
        #expect(try await store.delete(loop.id, of: alice.id))
        #expect(try await store.loop(loop.id, of: alice.id) == nil)
        await store.close()
    }

    @Test("an update based on an old revision is refused as a conflict")
    func conflicts() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.open()
        let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
        var loop = FeedbackLoop.register(
            accountID: account.id, url: try LoopURL("https://a.example/hook"), events: [.open], format: .form,
            description: "", now: Date())
        try await store.insert(loop, secret: .generate())
        loop.description = "first"
        let first = try await store.update(loop)
        #expect(first.revision == loop.revision + 1)
        loop.description = "second"
        await #expect(throws: StoreError.conflict) { _ = try await store.update(loop) }
        #expect(try await store.loop(loop.id, of: account.id)?.description == "first")
        await store.close()
    }

    @Test("two processes' worth of connections write to one file at once")
    func concurrentWriters() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let server = try await database.open()
        let command = try await database.open()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    let store = index.isMultiple(of: 2) ? server : command
                    group.addTask {
                        _ = try await store.createAccount(name: "n\(index)", key: .generate(), now: Date())
                    }
                }
                try await group.waitForAll()
            }
            let count = try await server.database.read("SELECT count(*) AS n FROM accounts").first?.column("n")?
                .integer
            #expect(count == 40)
        } catch {
            Issue.record("a write failed: \(error)")
        }
        await server.close()
        await command.close()
    }
}
