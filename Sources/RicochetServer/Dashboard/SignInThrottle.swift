import Foundation
import Synchronization

/// Slows password guessing: after ``maximumFailures`` wrong passwords for
/// one email address within ``window``, that address cannot sign in with a
/// password until the window has passed (API keys are too long to guess).
/// Kept in memory, per server.
final class SignInThrottle: Sendable {
    static var maximumFailures: Int { 10 }
    static var window: TimeInterval { 15 * 60 }

    private struct Failures {
        var count: Int
        var since: Date
    }

    private let failures = Mutex<[String: Failures]>([:])

    /// Whether `email` may try now.
    func allows(_ email: String, now: Date = Date()) -> Bool {
        failures.withLock { all in
            guard let entry = all[email.lowercased()] else { return true }
            if now.timeIntervalSince(entry.since) > Self.window {
                all[email.lowercased()] = nil
                return true
            }
            return entry.count < Self.maximumFailures
        }
    }

    func failed(_ email: String, now: Date = Date()) {
        failures.withLock { all in
            // Forget old entries so the map cannot grow without bound.
            if all.count > 10_000 { all = all.filter { now.timeIntervalSince($0.value.since) <= Self.window } }
            let key = email.lowercased()
            if let entry = all[key], now.timeIntervalSince(entry.since) <= Self.window {
                all[key] = Failures(count: entry.count + 1, since: entry.since)
            } else {
                all[key] = Failures(count: 1, since: now)
            }
        }
    }

    func succeeded(_ email: String) {
        _ = failures.withLock { $0.removeValue(forKey: email.lowercased()) }
    }
}
