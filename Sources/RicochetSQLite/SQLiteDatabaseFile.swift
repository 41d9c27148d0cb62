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
/// them. A passive checkpoint never catches up with a writer that does not
/// pause (a flood of opens), and SQLite starts the WAL over only once it is
/// copied whole, so under such load the WAL would grow without end: past
/// ``Checkpoints/restartFrames`` frames the checkpointer takes the writer's
/// turn once, copies the rest and lets the next commit start the file over
/// (cut back to ``Checkpoints/keptBytes`` if larger).
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
    private let checkpointing: Task<Void, Never>
    private let gate = AsyncGate()
    private let threads: NIOThreadPool

    static let busyTimeoutMilliseconds = 10_000
    static let restartWaitMilliseconds = 100

    /// When the WAL is copied back, and how big it may grow.
    struct Checkpoints: Sendable {
        var interval = Duration.milliseconds(500)
        /// 32,768 frames are 128 MiB of 4 KiB pages: under a flood of
        /// opens, one restart every few seconds, each holding writes for
        /// 2–27 ms.
        var restartFrames = 32_768
        /// The most of the file left when the WAL starts over. Twice the
        /// restart size, so a WAL kept at that size is reused, not cut back
        /// and grown again: cutting frees blocks, which this file system
        /// may discard at once: under a flood of opens the commit that cut a
        /// 130 MB WAL to 64 MB took 55–60 ms, where without the cut no
        /// commit after a restart took over 15 ms. Only a WAL grown larger
        /// (by an earlier version, say) is cut, once.
        var keptBytes = 256 << 20
    }

    private init(
        path: String, writer: SQLiteConnection, reader: SQLiteConnection, checkpointer: SQLiteConnection,
        checkpoints: Checkpoints, threads: NIOThreadPool, logger: Logger
    ) {
        self.threads = threads
        self.path = path
        self.logger = logger
        self.writer = writer
        self.reader = reader
        self.checkpointer = checkpointer
        let gate = gate
        checkpointing = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: checkpoints.interval)
                await Self.checkpoint(
                    on: checkpointer, gate: gate, restartFrames: checkpoints.restartFrames, logger: logger)
            }
        }
    }

    /// A passive checkpoint — copies what it can without waiting for, or
    /// blocking, the writer — and a restart when the WAL has outgrown
    /// `restartFrames`. The restart takes the writer's turn, so it first lets
    /// a second passive checkpoint copy what came during the first: what is
    /// left to copy while writes wait is only what came during the second.
    /// It waits for readers no longer than ``restartWaitMilliseconds`` (a
    /// long export's snapshot makes it give up until the next turn, rather
    /// than hold every write).
    private static func checkpoint(
        on checkpointer: SQLiteConnection, gate: AsyncGate, restartFrames: Int, logger: Logger
    ) async {
        let passive = try? await checkpointer.query("PRAGMA wal_checkpoint(PASSIVE)").first
        guard let frames = passive?.column("log")?.integer, frames >= restartFrames else { return }
        _ = try? await checkpointer.query("PRAGMA wal_checkpoint(PASSIVE)")
        let start = ContinuousClock.now
        let restart = try? await gate.withGate { try await checkpointer.query("PRAGMA wal_checkpoint(RESTART)") }
        logger.debug(
            "WAL restarted",
            metadata: [
                "frames": "\(frames)", "busy": "\(restart?.first?.column("busy")?.integer ?? -1)",
                "writes_waited": "\(ContinuousClock.now - start)",
            ])
    }

    /// Opens (creating if needed) the file and brings its schema up to date.
    static func open(path: String, checkpoints: Checkpoints = Checkpoints(), logger: Logger) async throws
        -> SQLiteDatabaseFile
    {
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
            _ = try await writer.query("PRAGMA journal_size_limit = \(checkpoints.keptBytes)")
            for _ in 0..<2 {
                others.append(try await connect(path, threads: threads, logger: logger))
                try await configure(others.last!)
            }
            _ = try await others[1].query("PRAGMA busy_timeout = \(restartWaitMilliseconds)")
            file = SQLiteDatabaseFile(
                path: path, writer: writer, reader: others[0], checkpointer: others[1], checkpoints: checkpoints,
                threads: threads, logger: logger)
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
        checkpointing.cancel()
        await Task { [self] in
            await checkpointing.value
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
