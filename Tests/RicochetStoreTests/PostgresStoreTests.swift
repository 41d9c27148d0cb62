import Foundation
import Logging
import RicochetCore
import Synchronization
import Testing

@testable import RicochetPostgres
@testable import RicochetStore

/// What only the PostgreSQL store has to show: several nodes opening one
/// database at once, refusals, and wake-ups across nodes.
@Suite("PostgreSQL store", .enabled(if: Backend.all.contains(.postgres)))
struct PostgresStoreTests {
    func location(_ fresh: Backend.Fresh) throws -> PostgresLocation {
        guard case .postgres(let location) = fresh.location else { throw Backend.BackendMissing() }
        return location
    }

    @Test("three nodes opening a new database at once migrate it exactly once")
    func concurrentMigrations() async throws {
        let fresh = try await Backend.postgres.make()
        let location = try location(fresh)
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<3 { group.addTask { try await PostgresStore.open(location, logger: Logger(label: "test")) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 3)
        _ = try await stores[0].createAccount(name: "a", key: .generate(), now: Date())
        #expect(try await stores[2].hasAccounts(), "one database behind all three")
        for store in stores { await store.close() }
        await fresh.dispose()
    }

    @Test("a database of a newer schema is refused with the same message as SQLite's")
    func newerSchema() async throws {
        let fresh = try await Backend.postgres.make()
        let location = try location(fresh)
        let store = try await PostgresStore.open(location, logger: Logger(label: "test"))
        await store.close()
        try await Backend.admin(
            PostgresLocation(
                host: location.host, port: location.port, user: location.user, password: location.password,
                database: location.database, tls: location.tls),
            "UPDATE ricochet_schema SET version = 99")
        await #expect(throws: StoreError.newerSchema(found: 99, supported: PostgresSchema.latestVersion)) {
            _ = try await PostgresStore.open(location, logger: Logger(label: "test"))
        }
        await fresh.dispose()
    }

    @Test("a wrong password, a missing database and a closed port are refused in one clear line, at once")
    func refusals() async throws {
        let fresh = try await Backend.postgres.make()
        let good = try location(fresh)
        func attempt(_ location: PostgresLocation) async -> String {
            do {
                let store = try await PostgresStore.open(location, logger: Logger(label: "test"), timeout: .seconds(5))
                await store.close()
                return "opened"
            } catch {
                return "\(error)"
            }
        }
        let started = ContinuousClock.now
        let wrong = await attempt(
            PostgresLocation(
                host: good.host, port: good.port, user: good.user, password: "wrong", database: good.database,
                tls: good.tls))
        #expect(wrong.contains("wrong user or password"), "\(wrong)")
        let missing = await attempt(
            PostgresLocation(
                host: good.host, port: good.port, user: good.user, password: good.password, database: "no_such_db",
                tls: good.tls))
        #expect(missing.contains("has no database 'no_such_db'"), "\(missing)")
        let closed = await attempt(
            PostgresLocation(
                host: "127.0.0.1", port: 1, user: good.user, password: good.password, database: good.database,
                tls: .disable))
        #expect(closed.contains("cannot connect to PostgreSQL at 127.0.0.1:1"), "\(closed)")
        #expect(ContinuousClock.now - started < .seconds(5), "no waiting, no hang")
        #expect(!wrong.contains("ricochet-test") && !closed.contains("\n"), "no password, one line")
        await fresh.dispose()
    }

    @Test("deliveries queued through one node wake the others within milliseconds (LISTEN/NOTIFY)")
    func wakeUps() async throws {
        let fresh = try await Backend.postgres.make()
        let location = try location(fresh)
        let writer = try await PostgresStore.open(location, logger: Logger(label: "a"))
        let listener = try await PostgresStore.open(location, logger: Logger(label: "b"))
        let account = try await writer.createAccount(name: "a", key: .generate(), now: Date())
        _ = try await Fixture.loop(writer, account: account.id)
        let heard = Mutex<[ContinuousClock.Instant]>([])
        listener.onEventsCommitted { heard.withLock { $0.append(ContinuousClock.now) } }
        // The listener says it is listening by waking once when it starts.
        var deadline = ContinuousClock.now + .seconds(10)
        while heard.withLock({ $0.isEmpty }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        let before = heard.withLock { $0.count }
        let sent = ContinuousClock.now
        try await writer.insert([Fixture.event(.open, account: account.id)])
        deadline = ContinuousClock.now + .seconds(10)
        while heard.withLock({ $0.count }) == before, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        let woken = try #require(heard.withLock { $0.count > before ? $0.last : nil })
        #expect(woken - sent < .milliseconds(500))
        // An event no loop asked for queues nothing and wakes nobody.
        let count = heard.withLock { $0.count }
        try await writer.insert([Fixture.event(.bounce, account: account.id)])
        try await writer.insert([Fixture.event(.open, account: account.id)])
        deadline = ContinuousClock.now + .seconds(10)
        while heard.withLock({ $0.count }) == count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(heard.withLock { $0.count } == count + 1, "one wake-up per commit that queued deliveries")
        await writer.close()
        await listener.close()
        await fresh.dispose()
    }

    @Test("the hot statements run prepared: parsed once on a connection, then by name")
    func preparedStatements() async throws {
        let fresh = try await Backend.postgres.make()
        let store = try await PostgresStore.open(try location(fresh), logger: Logger(label: "test"))
        let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
        let loop = try await Fixture.loop(store, account: account.id)
        // One connection, so that what it has prepared can be read on it.
        let prepared = try await store.pool.transaction { connection in
            for _ in 0..<2 { try await store.record([Fixture.event(.open, account: account.id)], on: connection) }
            let claimed = try await connection.execute(
                ClaimDue(binds: [
                    .int64(Date().milliseconds), .text("a#1"), .text("lease"), .int64(Date().milliseconds + 30_000),
                    .text(loop.id), .int64(Date().milliseconds), .integer(10),
                ]))
            #expect(claimed.count == 2)
            return try await connection.query("SELECT name FROM pg_prepared_statements ORDER BY name").map {
                try $0.text("name")
            }
        }
        #expect(prepared == [String(reflecting: ClaimDue.self), String(reflecting: RecordEvents.self)])
        await store.close()
        await fresh.dispose()
    }
}
