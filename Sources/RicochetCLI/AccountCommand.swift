import ArgumentParser
import Foundation
import RicochetCore
import RicochetStore

/// `ricochet account …`.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Manage accounts.",
        subcommands: [CreateAccount.self]
    )
}

/// `ricochet account create --name NAME`: prints the new account's API key,
/// alone on one line, for scripts. Safe while a server runs on the same database.
struct CreateAccount: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an account and print its API key on standard output."
    )

    static let maximumNameLength = 200

    @Option(name: .long, help: "The account's name.")
    var name: String

    @OptionGroup var database: DatabaseOption

    func validate() throws {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ValidationError("--name must not be empty") }
        guard trimmed.count <= Self.maximumNameLength else {
            throw ValidationError("--name is longer than \(Self.maximumNameLength) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw ValidationError("--name must not contain control characters")
        }
    }

    func run() async throws {
        let store = try await database.open()
        let key = APIKey.generate()
        do {
            _ = try await store.createAccount(
                name: name.trimmingCharacters(in: .whitespacesAndNewlines), key: key, now: Date())
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        print(key.secret)
    }
}
