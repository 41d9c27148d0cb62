import Foundation
import Logging
import NIOPosix
import PostgresNIO
import RicochetPostgres
import RicochetSQLite
import RicochetStore
import Testing

/// A storage backend for the conformance suite: each test gets a fresh,
/// empty database of its own and removes it afterwards.
///
/// PostgreSQL is the server named by `RICOCHET_TEST_POSTGRES` (a URL whose
/// user may create databases; `scripts/with-postgres` starts one). Without
/// it only SQLite runs — unless `RICOCHET_REQUIRE_POSTGRES` is set, as
/// `scripts/test` sets it, in which case the PostgreSQL cases fail.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    static var all: [Backend] {
        let environment = ProcessInfo.processInfo.environment
        if environment["RICOCHET_TEST_POSTGRES"] != nil || environment["RICOCHET_REQUIRE_POSTGRES"] != nil {
            return allCases
        }
        return [.sqlite]
    }

    /// A fresh database; `dispose` removes it.
    func make() async throws -> Fresh {
        switch self {
        case .sqlite:
            let database = try TemporaryDatabase()
            return Fresh(location: .sqlite(path: database.path)) { database.remove() }
        case .postgres:
            guard let url = ProcessInfo.processInfo.environment["RICOCHET_TEST_POSTGRES"] else {
                throw BackendMissing()
            }
            let server = try PostgresLocation(url)
            let name = "ricochet_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            try await Self.admin(server, "CREATE DATABASE \(name)")
            let location = PostgresLocation(
                host: server.host, port: server.port, user: server.user, password: server.password, database: name,
                tls: server.tls)
            return Fresh(location: .postgres(location)) {
                try? await Self.admin(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            }
        }
    }

    struct Fresh: Sendable {
        let location: StoreLocation
        let dispose: @Sendable () async -> Void

        func open() async throws -> any Store {
            let logger = Logger(label: "test")
            switch location {
            case .sqlite(let path): return try await SQLiteStore.open(path: path, logger: logger)
            case .postgres(let location): return try await PostgresStore.open(location, logger: logger)
            }
        }
    }

    struct BackendMissing: Error, CustomStringConvertible {
        var description: String {
            "RICOCHET_REQUIRE_POSTGRES is set but RICOCHET_TEST_POSTGRES is not: run the tests under scripts/with-postgres"
        }
    }

    /// One statement on the server's own database, outside any transaction.
    static func admin(_ server: PostgresLocation, _ sql: String) async throws {
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(),
            configuration: .init(
                host: server.host, port: server.port, username: server.user, password: server.password,
                database: server.database, tls: .disable),
            id: 1, logger: Logger(label: "test")
        ).get()
        defer { Task { try? await connection.close() } }
        _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test"))
    }
}

/// Runs `body` on a fresh store of `backend`, closed and removed after.
func withStore(_ backend: Backend, _ body: (any Store) async throws -> Void) async throws {
    let fresh = try await backend.make()
    let store: any Store
    do {
        store = try await fresh.open()
    } catch {
        await fresh.dispose()
        throw error
    }
    do {
        try await body(store)
    } catch {
        await store.close()
        await fresh.dispose()
        throw error
    }
    await store.close()
    await fresh.dispose()
}
