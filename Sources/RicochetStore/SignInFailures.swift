import Foundation

/// Wrong dashboard passwords per email address, kept in the database so that
/// every node counts them together.
public protocol SignInFailureStore: Sendable {
    /// How many wrong passwords `email` had since `since` (in the current window).
    func signInFailures(email: String, since: Date) async throws -> Int
    /// Counts one more; a count whose window (begun more than `window` ago)
    /// is over starts again at one.
    func recordSignInFailure(email: String, now: Date, window: TimeInterval) async throws
    func clearSignInFailures(email: String) async throws
}
