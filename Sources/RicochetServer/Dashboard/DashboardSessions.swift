import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// Signs browsers in and out: a random token in an HttpOnly, SameSite=Lax
/// cookie (Secure when the public URL is https), stored only as its hash,
/// ending after ``lifetime``.
struct DashboardSessions<Sessions: DashboardSessionStore>: Sendable {
    static var cookieName: String { "ricochet_session" }
    static var lifetime: TimeInterval { 12 * 3600 }

    let store: Sessions
    let secureCookies: Bool

    /// Starts a session for `account`; the response must carry ``cookie(for:)``.
    func start(for account: Account) async throws -> (DashboardSession, token: String) {
        let token = RandomToken.base62(length: 40)
        let now = Date()
        let session = DashboardSession(
            tokenHash: Self.hash(token), account: account, csrfToken: RandomToken.base62(length: 32), createdAt: now,
            expiresAt: now.addingTimeInterval(Self.lifetime))
        try await store.insertSession(session)
        _ = try? await store.pruneSessions(now: now)
        return (session, token)
    }

    /// The session the request's cookie names, if it is current.
    func current(_ request: Request) async throws -> DashboardSession? {
        guard let token = request.cookies[Self.cookieName]?.value, token.count <= 64, !token.isEmpty else {
            return nil
        }
        return try await store.session(tokenHash: Self.hash(token), now: Date())
    }

    func end(_ session: DashboardSession) async throws {
        try await store.deleteSession(tokenHash: session.tokenHash)
    }

    func cookie(for token: String) -> Cookie {
        Cookie(
            name: Self.cookieName, value: token, maxAge: Int(Self.lifetime), path: "/", secure: secureCookies,
            httpOnly: true, sameSite: .lax)
    }

    /// Tells the browser to forget the session cookie.
    func expiredCookie() -> Cookie {
        Cookie(
            name: Self.cookieName, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true,
            sameSite: .lax)
    }

    static func hash(_ token: String) -> String {
        APIKey.hash(of: token)
    }

    /// Whether a form's token is the session's, compared in constant time.
    static func sameToken(_ given: String?, _ expected: String) -> Bool {
        ConstantTime.equal(Array((given ?? "").utf8), Array(expected.utf8))
    }
}
