import Foundation
import RicochetCore

/// Someone who signs in to the dashboard with an email address and a
/// password, on behalf of one account.
public struct DashboardUser: Sendable, Equatable {
    public let id: String
    public let email: String
    public let account: Account
    /// ``PasswordHash`` text.
    public let passwordHash: String

    public init(id: String, email: String, account: Account, passwordHash: String) {
        self.id = id
        self.email = email
        self.account = account
        self.passwordHash = passwordHash
    }
}

public protocol DashboardUserStore: Sendable {
    /// Throws ``StoreError/conflict`` when the email address is taken.
    func createUser(email: String, account: Account.ID, passwordHash: String, now: Date) async throws -> String
    /// The user with this email address (compared without case).
    func user(email: String) async throws -> DashboardUser?
}
