import ArgumentParser
import Foundation
import Logging
import RicochetSQLite
import RicochetStore

/// `ricochet backup --to FILE`: a consistent copy of the SQLite database,
/// taken while the server runs on it.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the SQLite database, consistently, while a server runs on it.",
        discussion: """
            The copy is the database as of one moment (every event answered before
            the backup began is in it), compacted, and checked with PRAGMA
            integrity_check. To restore, stop the server, move the copy to the
            database's path (removing any -wal and -shm files beside it) and start
            the server again. For PostgreSQL use pg_dump.
            """
    )

    @Option(name: .long, help: "The file to write; it must not exist yet.")
    var to: String

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        guard case .sqlite(let path) = try database.location() else {
            throw CommandFailure("ricochet backup copies a SQLite database; back up PostgreSQL with pg_dump")
        }
        var logger = Logger(label: "ricochet")
        logger.logLevel = .warning
        let bytes: Int
        do {
            bytes = try await SQLiteBackup.copy(path, to: to, logger: logger)
        } catch let problem as SQLiteBackup.Problem {
            throw CommandFailure(problem.description)
        }
        print("backed up sqlite:\(path) to \(to) (\(bytes) bytes, integrity ok)")
    }
}
