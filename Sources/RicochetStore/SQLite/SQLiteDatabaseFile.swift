import Logging
import NIOCore
import NIOPosix
import SQLiteNIO

/// One SQLite file in WAL mode: a writer connection whose transactions run one
/// at a time, and a reader connection that sees committed data while a write is
/// under way. Other processes (`ricochet account create` beside a running
/// server) wait for the write lock up to the busy timeout instead of failing.
final class SQLiteDatabaseFile: Sendable {
    let path: String
    private let writer: SQLiteConnection
    private let reader: SQLiteConnection
    private let gate = AsyncGate()

    static let busyTimeoutMilliseconds = 10_000

    private init(path: String, writer: SQLiteConnection, reader: SQLiteConnection) {
        self.path = path
        self.writer = writer
        self.reader = reader
    }

    /// Opens (creating if needed) the file and brings its schema up to date.
    static func open(path: String, logger: Logger) async throws -> SQLiteDatabaseFile {
        let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        var reader: SQLiteConnection?
        do {
            try await configure(writer)
            _ = try await writer.query("PRAGMA journal_mode = WAL")
            reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            try await configure(reader!)
            let file = SQLiteDatabaseFile(path: path, writer: writer, reader: reader!)
            try await file.migrate(logger: logger)
            return file
        } catch {
            try? await reader?.close()
            try? await writer.close()
            throw error
        }
    }

    private static func configure(_ connection: SQLiteConnection) async throws {
        _ = try await connection.query("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
        _ = try await connection.query("PRAGMA foreign_keys = ON")
    }

    func close() async {
        try? await reader.close()
        try? await writer.close()
    }

    /// Runs `body` in a write transaction (`BEGIN IMMEDIATE`, so the write lock
    /// is taken up front and a concurrent writer waits rather than fails midway).
    func write<T: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        try await gate.withGate {
            _ = try await writer.query("BEGIN IMMEDIATE")
            do {
                let result = try await body(writer)
                _ = try await writer.query("COMMIT")
                return result
            } catch {
                _ = try? await writer.query("ROLLBACK")
                throw error
            }
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
