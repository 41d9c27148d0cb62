import Logging
import NIOCore
import NIOPosix
import RicochetStore
import SQLiteNIO

/// One SQLite file in WAL mode: a writer connection whose transactions run one
/// at a time, and a reader connection that sees committed data while a write is
/// under way. Other processes (`ricochet account create` beside a running
/// server) wait for the write lock up to the busy timeout instead of failing.
///
/// Checkpoints (copying the WAL back into the database file) run on a third
/// connection every half second instead of inside whichever commit crosses
/// SQLite's threshold, so no commit — and no caller waiting on it — pays for
/// them.
///
/// The file's connections run on threads of their own: a connection that
/// waits for the write lock (SQLite's busy wait blocks its thread) holds up
/// only this file, never the shared pool that another file's lock holder
/// needs to commit and let it go.
final class SQLiteDatabaseFile: Sendable {
    let path: String
    private let logger: Logger
    private let writer: SQLiteConnection
    private let reader: SQLiteConnection
    private let checkpointer: SQLiteConnection
    private let checkpoints: Task<Void, Never>
    private let gate = AsyncGate()
    private let threads: NIOThreadPool

    static let busyTimeoutMilliseconds = 10_000
    static let checkpointInterval = Duration.milliseconds(500)

    private init(
        path: String, writer: SQLiteConnection, reader: SQLiteConnection, checkpointer: SQLiteConnection,
        threads: NIOThreadPool, logger: Logger
    ) {
        self.threads = threads
        self.path = path
        self.logger = logger
        self.writer = writer
        self.reader = reader
        self.checkpointer = checkpointer
        checkpoints = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.checkpointInterval)
                // PASSIVE: copies what it can without waiting for, or blocking, the writer.
                _ = try? await checkpointer.query("PRAGMA wal_checkpoint(PASSIVE)")
            }
        }
    }

    /// Opens (creating if needed) the file and brings its schema up to date.
    static func open(path: String, logger: Logger) async throws -> SQLiteDatabaseFile {
        // The writer, the reader, the checkpointer and a fresh reader for readiness.
        let threads = NIOThreadPool(numberOfThreads: 4)
        threads.start()
        let writer: SQLiteConnection
        do {
            writer = try await connect(path, threads: threads, logger: logger)
        } catch {
            try? await threads.shutdownGracefully()
            throw error
        }
        var others: [SQLiteConnection] = []
        let file: SQLiteDatabaseFile
        do {
            try await configure(writer)
            _ = try await writer.query("PRAGMA journal_mode = WAL")
            _ = try await writer.query("PRAGMA wal_autocheckpoint = 0")
            for _ in 0..<2 {
                others.append(try await connect(path, threads: threads, logger: logger))
                try await configure(others.last!)
            }
            file = SQLiteDatabaseFile(
                path: path, writer: writer, reader: others[0], checkpointer: others[1], threads: threads, logger: logger
            )
        } catch {
            for connection in others { try? await connection.close() }
            try? await writer.close()
            try? await threads.shutdownGracefully()
            throw error
        }
        do {
            try await file.migrate(logger: logger)
        } catch {
            await file.close()
            throw error
        }
        return file
    }

    private static func connect(_ path: String, threads: NIOThreadPool, logger: Logger) async throws
        -> SQLiteConnection
    {
        try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threads, logger: logger,
            on: MultiThreadedEventLoopGroup.singleton.any())
    }

    private static func configure(_ connection: SQLiteConnection) async throws {
        _ = try await connection.query("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
        _ = try await connection.query("PRAGMA foreign_keys = ON")
    }

    /// Closes every connection, also when the caller is being cancelled (a
    /// service group torn down by a failed sibling): in a task of its own,
    /// after the write under way, so no connection is left open.
    func close() async {
        checkpoints.cancel()
        await Task { [self] in
            await checkpoints.value
            _ = try? await checkpointer.query("PRAGMA wal_checkpoint(PASSIVE)")
            try? await checkpointer.close()
            try? await reader.close()
            _ = try? await gate.withGate { try await writer.close() }
            try? await threads.shutdownGracefully()
        }.value
    }

    /// Runs `body` in a write transaction (`BEGIN IMMEDIATE`, so the write lock
    /// is taken up front and a concurrent writer waits rather than fails midway).
    func write<T: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        try await withWriter { writer in try await Self.transaction(on: writer, body) }
    }

    /// Runs `body` on the writer connection, one caller at a time, outside any
    /// transaction: each statement commits on its own unless `body` begins one
    /// with ``transaction(on:_:)``.
    func withWriter<T: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        try await gate.withGate { try await body(writer) }
    }

    /// A write transaction on `connection`, which the caller holds.
    static func transaction<T: Sendable>(
        on connection: SQLiteConnection, _ body: @Sendable (SQLiteConnection) async throws -> T
    ) async throws -> T {
        _ = try await connection.query("BEGIN IMMEDIATE")
        do {
            let result = try await body(connection)
            _ = try await connection.query("COMMIT")
            return result
        } catch {
            _ = try? await connection.query("ROLLBACK")
            throw error
        }
    }

    /// One statement through the writer, in a transaction of its own.
    @discardableResult
    func writeStatement(_ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRow] {
        try await gate.withGate {
            try await writer.query(sql, binds)
        }
    }

    /// One statement on a connection opened for it and closed after.
    func readFresh(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        let connection = try await Self.connect(path, threads: threads, logger: logger)
        do {
            try await Self.configure(connection)
            let rows = try await connection.query(sql, binds)
            try? await connection.close()
            return rows
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs `body` in a read transaction on a connection opened for it:
    /// every statement in it sees the database as its first read found it,
    /// whatever is written meanwhile.
    func snapshot<T: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        let connection = try await Self.connect(path, threads: threads, logger: logger)
        do {
            try await Self.configure(connection)
            _ = try await connection.query("BEGIN")
            let result = try await body(connection)
            _ = try await connection.query("COMMIT")
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// One statement on the reader connection, outside any write transaction.
    func read(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await reader.query(sql, binds)
    }

    private func migrate(logger: Logger) async throws {
        try await write { connection in
            let found = try await connection.query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0
            let supported = SQLiteSchema.latestVersion
            guard found <= supported else {
                throw StoreError.newerSchema(found: Int(found), supported: supported)
            }
            for version in Int(found)..<supported {
                for statement in SQLiteSchema.migrations[version] {
                    _ = try await connection.query(statement)
                }
                logger.info("database schema migrated", metadata: ["version": "\(version + 1)"])
            }
            if found < supported {
                _ = try await connection.query("PRAGMA user_version = \(supported)")
            }
        }
    }
}
