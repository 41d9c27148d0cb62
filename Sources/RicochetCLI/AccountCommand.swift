import ArgumentParser
import Foundation
import RicochetCore
import RicochetStore

/// `ricochet account …`.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Manage accounts.",
        subcommands: [CreateAccount.self, ListAccounts.self, AccountKeyCommand.self]
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

/// `ricochet account list`: one account a line, tab-separated: id, created
/// (UTC), name. Safe while a server runs on the same database.
struct ListAccounts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the accounts: id, creation time (UTC) and name, tab-separated."
    )

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let store = try await database.open()
        let accounts: [Account]
        do {
            accounts = try await store.accounts()
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        for account in accounts {
            print("\(account.id)\t\(EventTimestamp.timestamp(account.createdAt))\t\(account.name)")
        }
    }
}

/// `ricochet account key …`.
struct AccountKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Manage an account's API keys.",
        subcommands: [CreateAccountKey.self]
    )
}

/// `ricochet account key create --account ID`: prints a new API key of an
/// existing account, alone on one line (the account's other keys go on
/// working).
struct CreateAccountKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Make another API key for an account and print it on standard output."
    )

    @Option(name: .long, help: "The account's id (see 'ricochet account list').")
    var account: String

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let store = try await database.open()
        let key = APIKey.generate()
        do {
            try await store.addKey(key, to: account, now: Date())
        } catch StoreError.notFound {
            await store.close()
            throw CommandFailure("--account: no account '\(account)'; 'ricochet account list' shows them")
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        print(key.secret)
    }
}
