import ArgumentParser
import RicochetCore
import RicochetStore

/// `--account ID`, which may be left out when the installation has one account.
struct AccountOption: ParsableArguments {
    @Option(name: .long, help: "The account (default: the only account; 'ricochet account list' shows them).")
    var account: String?

    /// The account named, or the only one; a clear refusal otherwise.
    func choose(in store: some AccountStore) async throws -> Account {
        let accounts = try await store.accounts()
        let ids = accounts.map(\.id).joined(separator: ", ")
        if let account {
            guard let match = accounts.first(where: { $0.id == account }) else {
                throw CommandFailure("--account: no account '\(account)' (accounts: \(ids))")
            }
            return match
        }
        guard accounts.count == 1, let only = accounts.first else {
            throw CommandFailure("there are \(accounts.count) accounts; name one with --account (\(ids))")
        }
        return only
    }
}
