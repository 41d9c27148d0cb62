import ArgumentParser
import Foundation
import Logging
import RicochetPostgres
import RicochetSQLite
import RicochetStore

/// `ricochet copy --from sqlite:PATH --to postgres://…`: moving up from one
/// machine to several nodes. Everything an installation holds goes into an
/// empty PostgreSQL database in one transaction; a target that holds data
/// is refused, and a copy that fails leaves it empty.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a whole installation from a SQLite file into an empty PostgreSQL database.",
        discussion: """
            Stop the server on the SQLite file first: the copy reads one snapshot, and what the server \
            records after it begins is not copied. Links, pixels and return paths already sent keep \
            working on the nodes that serve the copy: the installation's secrets go with it.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The installation to copy.", valueName: "sqlite:PATH"))
    var from: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "An empty PostgreSQL database; its schema is made if it has none.",
            valueName: "postgres://USER:PASSWORD@HOST:PORT/DB"))
    var to: String

    func validate() throws {
        _ = try locations()
    }

    private func locations() throws -> (source: String, target: PostgresLocation) {
        guard case .sqlite(let path) = try location(from, "--from") else {
            throw ValidationError("--from must be a SQLite file, sqlite:PATH")
        }
        guard case .postgres(let target) = try location(to, "--to") else {
            throw ValidationError("--to must be a PostgreSQL database, postgres://USER:PASSWORD@HOST:PORT/DB")
        }
        return (path, target)
    }

    private func location(_ value: String, _ option: String) throws -> StoreLocation {
        do {
            return try StoreLocation(value)
        } catch {
            throw ValidationError("\(option): \(error)")
        }
    }

    func run() async throws {
        let (path, target) = try locations()
        guard FileManager.default.fileExists(atPath: path) else {
            throw CopyError("--from: no such file: \(path)")
        }
        var logger = Logger(label: "ricochet")
        logger.logLevel = .warning
        let source = try await SQLiteStore.open(path: path, logger: logger)
        let destination: PostgresStore
        do {
            destination = try await PostgresStore.open(target, logger: logger)
        } catch {
            await source.close()
            throw error
        }
        let report: InstallationCopy.Report
        do {
            report = try await InstallationCopy.copy(from: source, to: destination)
        } catch {
            await source.close()
            await destination.close()
            throw error
        }
        await source.close()
        await destination.close()
        for (table, count) in report.rows {
            print("\(table)\t\(count)")
        }
        FileHandle.standardError.write(Data("copied sqlite:\(path) to \(target)\n".utf8))
    }
}

struct CopyError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
