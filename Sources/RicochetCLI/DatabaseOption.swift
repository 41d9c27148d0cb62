import ArgumentParser
import Foundation
import Logging
import RicochetPostgres
import RicochetSQLite
import RicochetStore

/// `--database`, shared by every command that touches the store.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where the data lives: sqlite:PATH (default sqlite:./ricochet.db), or postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=disable|prefer|require] for several nodes on one database; or $RICOCHET_DATABASE.",
            valueName: "location"))
    var database: String?

    /// Opens the store, quietly (commands print their own output).
    func open() async throws -> any Store {
        var logger = Logger(label: "ricochet")
        logger.logLevel = .warning
        return try await open(logger: logger)
    }

    /// The one place a `--database` becomes a store.
    func open(logger: Logger) async throws -> any Store {
        switch try location() {
        case .sqlite(let path):
            return try await SQLiteStore.open(path: path, logger: logger)
        case .postgres(let location):
            return try await PostgresStore.open(location, logger: logger)
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
