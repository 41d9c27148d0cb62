import Foundation
import RicochetCore
import SQLiteNIO
import Testing

@testable import RicochetSQLite
@testable import RicochetStore

@Suite("Fan-out on SQLite")
struct FanOutTests {
    func event(_ type: EventType, account: Account.ID) -> Event {
        Event(
            id: Event.newID(), accountID: account, type: type, message: nil, occurredAt: Date(), machineReason: nil,
            variables: ["type": .string(type.rawValue)])
    }

    func queued(_ store: SQLiteStore, loop: FeedbackLoop.ID) async throws -> Int {
        Int(
            try await store.database.read("SELECT COUNT(*) AS n FROM deliveries WHERE loop_id = ?", [.text(loop)])
                .first?.column("n")?.integer ?? -1)
    }

    @Test("the event after a loop is validated, subscribes, unsubscribes or is disabled is planned with that change")
    func loopChanges() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.open()
        let account = try await store.createAccount(name: "a", key: .generate(), now: Date())
        var loop = FeedbackLoop.register(
            accountID: account.id, url: try LoopURL("https://r.example/hook"), events: [.open], format: .json,
            description: "", now: Date())
        try await store.insert(loop, secret: .generate())
        try await store.insert([event(.open, account: account.id)])
        #expect(try await queued(store, loop: loop.id) == 0, "not validated yet")
        loop.markValidated(at: Date())
        loop = try await store.update(loop)
        try await store.insert([event(.open, account: account.id), event(.click, account: account.id)])
        #expect(try await queued(store, loop: loop.id) == 1)
        loop.events = [.click]
        loop = try await store.update(loop)
        try await store.insert([event(.open, account: account.id), event(.click, account: account.id)])
        #expect(try await queued(store, loop: loop.id) == 2)
        #expect(try await store.loop(loop.id, of: account.id)?.events == [.click], "subscriptions read back")
        loop.disabled = .init(at: Date(), reason: "paused")
        loop = try await store.update(loop)
        try await store.insert([event(.click, account: account.id)])
        #expect(try await queued(store, loop: loop.id) == 2)
        #expect(
            try await store.replay(loop: loop.id, account: account.id, since: .distantPast, until: Date(), now: Date())
                == 3,
            "a replay queues every click of the window, the disabled loop's too")
        #expect(try await store.delete(loop.id, of: account.id))
        try await store.insert([event(.click, account: account.id)])
        await store.close()
    }

    @Test("a database of schema 14 keeps its loops' subscriptions as rows, and its trigger is gone")
    func upgrade() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let connection = try await SQLiteConnection.open(storage: .file(path: database.path))
        for statement in SQLiteSchema.migrations.prefix(14).joined() { _ = try await connection.query(statement) }
        _ = try await connection.query("INSERT INTO accounts VALUES ('acc_1', 'a', 0)")
        _ = try await connection.query(
            """
            INSERT INTO loops (id, account_id, url, events, format, description, status, validation_filename,
                validation_content, validated_at, created_at, updated_at, revision)
            VALUES ('loop_1', 'acc_1', 'https://r.example/hook', 'click open profile.update', 'json', '',
                'validated', 'v.txt', 'x', 0, 0, 0, 1)
            """)
        _ = try await connection.query("PRAGMA user_version = 14")
        try await connection.close()
        let store = try await database.open()
        #expect(try await store.loop("loop_1", of: "acc_1")?.events == [.click, .open, .profileUpdate])
        let triggers = try await store.database.read("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        #expect(triggers.isEmpty)
        try await store.insert([event(.open, account: "acc_1"), event(.bounce, account: "acc_1")])
        #expect(try await queued(store, loop: "loop_1") == 1)
        await store.close()
    }
}
