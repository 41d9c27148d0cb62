import Foundation
import RicochetStore

/// Slows password guessing: after ``maximumFailures`` wrong passwords for
/// one email address within ``window``, that address cannot sign in with a
/// password until the window has passed (API keys are too long to guess).
/// Counted in the database, so the limit holds across every node.
struct SignInThrottle<S: SignInFailureStore>: Sendable {
    static var maximumFailures: Int { 10 }
    static var window: TimeInterval { 15 * 60 }

    let store: S

    /// Whether `email` may try now.
    func allows(_ email: String, now: Date = Date()) async throws -> Bool {
        try await store.signInFailures(email: email, since: now.addingTimeInterval(-Self.window))
            < Self.maximumFailures
    }

    func failed(_ email: String, now: Date = Date()) async throws {
        try await store.recordSignInFailure(email: email, now: now, window: Self.window)
    }

    func succeeded(_ email: String) async throws {
        try await store.clearSignInFailures(email: email)
    }
}
