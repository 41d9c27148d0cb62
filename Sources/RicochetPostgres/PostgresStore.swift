import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import RicochetCore
import RicochetStore
import Synchronization

/// The store for several nodes: one PostgreSQL database that every node
/// shares. Nothing a node keeps in memory is the only copy of anything.
public final class PostgresStore: Store {
    let pool: PostgresPool
    let logger: Logger
    let eventObservers = Mutex<[@Sendable () -> Void]>([])
    let listenerTask = Mutex<Task<Void, Never>?>(nil)
    /// The delivery planner as of a `loop_version`, read again when an
    /// insert finds the version moved on.
    let planners = Mutex<VersionedPlanner?>(nil)
    /// The keys erased addresses are kept under, once read.
    let erasedAddresses = ErasedAddressCache()

    /// The channel on which every commit that queued deliveries is announced.
    static let channel = "ricochet_deliveries"

    private init(pool: PostgresPool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    /// Connects, checks the credentials and the database, and brings the
    /// schema up to date (one node at a time). Throws
    /// ``StoreError/unavailable(_:)`` with the reason in one line when the
    /// server cannot be reached or refuses, within `timeout`.
    public static func open(_ location: PostgresLocation, logger: Logger, timeout: Duration = .seconds(10))
        async throws -> PostgresStore
    {
        try await check(location, logger: logger, timeout: timeout)
        let store = PostgresStore(pool: try PostgresPool(location, logger: logger), logger: logger)
        do {
            try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// One connection made and closed, to fail at once and clearly on a
    /// refused connection, a wrong password or a missing database (a pool
    /// would keep trying in the background instead).
    private static func check(_ location: PostgresLocation, logger: Logger, timeout: Duration) async throws {
        let server = "PostgreSQL at \(location.host):\(location.port)"
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: .disable)
        switch location.tls {
        case .disable: break
        case .prefer: configuration.tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: configuration.tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        configuration.options.connectTimeout = TimeAmount.nanoseconds(
            timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        do {
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger
            ).get()
            try? await connection.close()
        } catch let error as PSQLError {
            switch error.sqlState {
            case "28P01", "28000":
                throw StoreError.unavailable("\(server) refused user '\(location.user)': wrong user or password")
            case "3D000":
                throw StoreError.unavailable("\(server) has no database '\(location.database)'")
            case let state?:
                let message = error.serverInfo?[.message] ?? "error \(state)"
                throw StoreError.unavailable("\(server) refused the connection: \(message)")
            case nil:
                let detail = error.underlying.map { "\($0)" } ?? "\(error.code)"
                let reason =
                    detail.contains("Connection refused")
                    ? "connection refused"
                    : detail.contains("connectTimeout") || detail.contains("timed out")
                        ? "no answer within \(timeout)" : detail.replacingOccurrences(of: "\n", with: " ")
                throw StoreError.unavailable("cannot connect to \(server): \(reason)")
            }
        } catch {
            throw StoreError.unavailable(
                "cannot connect to \(server): \(error)".replacingOccurrences(of: "\n", with: " "))
        }
    }

    /// In one transaction under an advisory lock: nodes that start at once
    /// wait for each other, the first migrates and the others find it done.
    private func migrate() async throws {
        let logger = self.logger
        try await pool.transaction { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(?)", [.int64(PostgresSchema.migrationLock)])
            _ = try await connection.query("CREATE TABLE IF NOT EXISTS ricochet_schema (version INTEGER NOT NULL)")
            let found = Int(
                try await connection.query("SELECT max(version)::bigint AS version FROM ricochet_schema").first?
                    .optionalInt64("version") ?? 0)
            let supported = PostgresSchema.latestVersion
            guard found <= supported else { throw StoreError.newerSchema(found: found, supported: supported) }
            for version in found..<supported {
                for statement in PostgresSchema.migrations[version] { _ = try await connection.query(statement) }
                logger.info("database schema migrated", metadata: ["version": "\(version + 1)"])
            }
            if found < supported {
                _ = try await connection.query("DELETE FROM ricochet_schema")
                _ = try await connection.query(
                    "INSERT INTO ricochet_schema (version) VALUES (?)", [.integer(supported)])
            }
        }
    }

    public func close() async {
        let task = listenerTask.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
        await pool.close()
    }

    public var backend: String { "postgresql" }

    public func checkReadWrite(now: Date) async throws {
        try await pool.query(
            """
            INSERT INTO readiness_probe (id, checked_at) VALUES (1, ?)
            ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at
            """,
            [.int64(now.milliseconds)])
        guard
            try await pool.query("SELECT checked_at FROM readiness_probe WHERE id = 1").first?
                .optionalInt64("checked_at") != nil
        else { throw StoreError.corrupt("the readiness row written was not read back") }
    }
}
