import Foundation
import RicochetCore

/// A signed-in dashboard browser: whose it is, the token its forms carry,
/// and when it ends. The cookie's token itself is never stored, only its hash.
public struct DashboardSession: Sendable, Equatable {
    public let tokenHash: String
    public let account: Account
    /// Every form of the session carries it (cross-site request forgery).
    public let csrfToken: String
    public let createdAt: Date
    public let expiresAt: Date

    public init(tokenHash: String, account: Account, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.account = account
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

public protocol DashboardSessionStore: Sendable {
    func insertSession(_ session: DashboardSession) async throws
    /// The session with this token hash, unless it has expired by `now`.
    func session(tokenHash: String, now: Date) async throws -> DashboardSession?
    func deleteSession(tokenHash: String) async throws
    /// Removes sessions expired by `now`; returns how many.
    func pruneSessions(now: Date) async throws -> Int
}
