import ArgumentParser
import Foundation
import Logging
import RicochetSQLite
import RicochetStore

/// `--database`, shared by every command that touches the store.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where the data lives: sqlite:PATH (default sqlite:./ricochet.db, or $RICOCHET_DATABASE).",
            valueName: "location"))
    var database: String?

    /// Opens the store, quietly (commands print their own output).
    func open() async throws -> SQLiteStore {
        var logger = Logger(label: "ricochet")
        logger.logLevel = .warning
        return try await open(logger: logger)
    }

    /// The one place a `--database` becomes a store.
    func open(logger: Logger) async throws -> SQLiteStore {
        switch try location() {
        case .sqlite(let path):
            return try await SQLiteStore.open(path: path, logger: logger)
        }
    }

    func location() throws -> StoreLocation {
        let value = database ?? ProcessInfo.processInfo.environment["RICOCHET_DATABASE"]
        guard let value else { return .default }
        do {
            return try StoreLocation(value)
        } catch {
            throw ValidationError("--database: \(error)")
        }
    }
}
