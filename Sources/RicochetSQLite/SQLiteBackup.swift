import Foundation
import Logging
import NIOPosix
import SQLiteNIO

/// A consistent copy of a SQLite database while a server writes to it:
/// `VACUUM INTO` on a connection of its own reads the database as of one
/// moment (in WAL mode a reader neither waits for nor blocks the writer)
/// and writes a new, compact file; the copy is then checked with `PRAGMA
/// integrity_check`. The source is opened as it is, never migrated.
public enum SQLiteBackup {
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case noDatabase(String)
        case targetExists(String)
        case notADatabase(String, reason: String)
        case cannotWrite(String, reason: String)
        case damagedCopy(String, report: String)

        public var description: String {
            switch self {
            case .noDatabase(let path): "no database at \(path)"
            case .targetExists(let path): "\(path) exists; a backup is written to a new file"
            case .notADatabase(let path, let reason): "\(path) cannot be read as a SQLite database: \(reason)"
            case .cannotWrite(let path, let reason): "cannot write the copy to \(path): \(reason)"
            case .damagedCopy(let path, let report):
                "the copy at \(path) failed its integrity check (\(report)); it was removed"
            }
        }
    }

    /// Copies the database at `source` to `target` (which must not exist)
    /// and returns the copy's size in bytes.
    public static func copy(_ source: String, to target: String, logger: Logger) async throws -> Int {
        let files = FileManager.default
        guard files.fileExists(atPath: source) else { throw Problem.noDatabase(source) }
        guard !files.fileExists(atPath: target) else { throw Problem.targetExists(target) }
        let threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        do {
            do {
                _ = try await run(
                    ["PRAGMA busy_timeout = 10000", "SELECT count(*) FROM sqlite_schema"], on: source, threads, logger)
            } catch {
                throw Problem.notADatabase(source, reason: "\(error)")
            }
            do {
                _ = try await run(["VACUUM INTO ?"], binds: [.text(target)], on: source, threads, logger)
            } catch {
                throw Problem.cannotWrite(target, reason: "\(error)")
            }
            let report: [String]
            do {
                report = try await run(["PRAGMA integrity_check"], on: target, threads, logger)
            } catch {
                throw Problem.damagedCopy(target, report: "\(error)")
            }
            guard report == ["ok"] else { throw Problem.damagedCopy(target, report: report.joined(separator: "; ")) }
        } catch {
            try? await threads.shutdownGracefully()
            if case Problem.damagedCopy = error { try? files.removeItem(atPath: target) }
            throw error
        }
        try? await threads.shutdownGracefully()
        return (try? files.attributesOfItem(atPath: target)[.size] as? Int) ?? 0
    }

    /// The last statement's rows (their first column as text), run with the
    /// others on a connection of their own; `binds` go to the first.
    private static func run(
        _ statements: [String], binds: [SQLiteData] = [], on path: String, _ threads: NIOThreadPool, _ logger: Logger
    ) async throws -> [String] {
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threads, logger: logger,
            on: MultiThreadedEventLoopGroup.singleton.any())
        do {
            var rows: [SQLiteRow] = []
            for (index, statement) in statements.enumerated() {
                rows = try await connection.query(statement, index == 0 ? binds : [])
            }
            try? await connection.close()
            return rows.compactMap { $0.columns.first?.data.string }
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
