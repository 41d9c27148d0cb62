import Foundation
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func signInFailures(email: String, since: Date) async throws -> Int {
        Int(
            try await database.read(
                "SELECT count FROM sign_in_failures WHERE email = ? AND since > ?",
                [.text(email.lowercased()), .int64(since.milliseconds)]
            ).first?.optionalInt64("count") ?? 0)
    }

    public func recordSignInFailure(email: String, now: Date, window: TimeInterval) async throws {
        let windowStart = SQLiteData.int64(now.addingTimeInterval(-window).milliseconds)
        try await database.write { connection in
            _ = try await connection.query("DELETE FROM sign_in_failures WHERE since <= ?", [windowStart])
            _ = try await connection.query(
                """
                INSERT INTO sign_in_failures (email, count, since) VALUES (?, 1, ?)
                ON CONFLICT (email) DO UPDATE SET count = sign_in_failures.count + 1
                """,
                [.text(email.lowercased()), .int64(now.milliseconds)])
        }
    }

    public func clearSignInFailures(email: String) async throws {
        try await database.writeStatement("DELETE FROM sign_in_failures WHERE email = ?", [.text(email.lowercased())])
    }
}
