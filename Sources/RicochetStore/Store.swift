import Foundation
import RicochetCore

/// Accounts and the API keys that authenticate them.
public protocol AccountStore: Sendable {
    /// Creates an account with its first API key, in one transaction.
    func createAccount(name: String, key: APIKey, now: Date) async throws -> Account
    /// The account a key belongs to, looked up by the key's hash.
    func account(keyHash: String) async throws -> Account?
    func hasAccounts() async throws -> Bool
}

/// Feedback loops. Every read and write is scoped to one account: a loop of
/// another account is as absent as one that never existed.
public protocol LoopStore: Sendable {
    func insert(_ loop: FeedbackLoop) async throws
    func loops(of account: Account.ID) async throws -> [FeedbackLoop]
    func loop(_ id: FeedbackLoop.ID, of account: Account.ID) async throws -> FeedbackLoop?
    /// Stores `loop` if the stored copy is still at `loop.revision`, and
    /// returns what was stored (revision advanced). Throws
    /// ``StoreError/conflict`` when someone else changed it first and
    /// ``StoreError/notFound`` when it is gone.
    func update(_ loop: FeedbackLoop) async throws -> FeedbackLoop
    /// Returns false when there was no such loop.
    func delete(_ id: FeedbackLoop.ID, of account: Account.ID) async throws -> Bool
}

/// Everything the server needs from its database.
public typealias Store = AccountStore & LoopStore

public enum StoreError: Error, Equatable, CustomStringConvertible {
    case notFound
    case conflict
    case newerSchema(found: Int, supported: Int)
    case unsupportedLocation(String)
    case corrupt(String)

    public var description: String {
        switch self {
        case .notFound:
            "not found"
        case .conflict:
            "changed by another request at the same time; try again"
        case .newerSchema(let found, let supported):
            "the database was written by a newer version of ricochet (schema version \(found); this version knows up to \(supported)); upgrade ricochet or use another database"
        case .unsupportedLocation(let location):
            "unsupported database '\(location)'; use sqlite:PATH"
        case .corrupt(let detail):
            "unexpected data in the database: \(detail)"
        }
    }
}
