import ArgumentParser
import Foundation
import RicochetStore

/// `--database`, shared by every command that touches the store.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where the data lives: sqlite:PATH (default sqlite:./ricochet.db, or $RICOCHET_DATABASE).",
            valueName: "location"))
    var database: String?

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
