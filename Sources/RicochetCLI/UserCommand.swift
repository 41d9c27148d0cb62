import ArgumentParser
import Foundation
import RicochetCore
import RicochetStore

/// `ricochet user …`.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage the people who sign in to the dashboard.",
        subcommands: [CreateUser.self]
    )
}

/// `ricochet user create --email EMAIL [--account ID]`: a dashboard user
/// of one account. The password is read from standard input (its first
/// line), so it never shows in the process list or the shell history.
struct CreateUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a dashboard user; the password is read from standard input.",
        discussion: "Example: printf '%s\\n' \"$PASSWORD\" | ricochet user create --email ops@example.com"
    )

    @Option(name: .long, help: "The user's email address, used to sign in.")
    var email: String

    @OptionGroup var account: AccountOption

    @OptionGroup var database: DatabaseOption

    func validate() throws {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), email.count <= 254,
            !email.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
        else { throw ValidationError("--email: '\(email.prefix(100))' is not an email address") }
    }

    func run() async throws {
        guard let line = readLine(strippingNewline: true) else {
            throw CommandFailure("give the password on standard input (one line)")
        }
        let hash: String
        do {
            hash = try PasswordHash.make(line)
        } catch let problem as PasswordHash.Problem {
            throw CommandFailure("the password is refused: \(problem)")
        }
        let store = try await database.open()
        do {
            let chosen = try await account.choose(in: store)
            do {
                _ = try await store.createUser(email: email, account: chosen.id, passwordHash: hash, now: Date())
            } catch StoreError.conflict {
                throw CommandFailure("a user with the email address \(email) exists already")
            }
            await store.close()
            print("user \(email) created for account \(chosen.id) (\(chosen.name))")
        } catch {
            await store.close()
            throw error
        }
    }
}
