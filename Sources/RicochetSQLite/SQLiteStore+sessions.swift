import Foundation
import RicochetCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func insertSession(_ session: DashboardSession) async throws {
        try await database.writeStatement(
            """
            INSERT INTO dashboard_sessions (token_hash, account_id, csrf_token, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?)
            """,
            [
                .text(session.tokenHash), .text(session.account.id), .text(session.csrfToken),
                .int64(session.createdAt.milliseconds), .int64(session.expiresAt.milliseconds),
            ])
    }

    public func session(tokenHash: String, now: Date) async throws -> DashboardSession? {
        try await database.read(
            """
            SELECT s.token_hash, s.csrf_token, s.created_at, s.expires_at, a.id, a.name, a.created_at AS account_created
            FROM dashboard_sessions s JOIN accounts a ON a.id = s.account_id
            WHERE s.token_hash = ? AND s.expires_at > ?
            """,
            [.text(tokenHash), .int64(now.milliseconds)]
        ).first.map { row in
            DashboardSession(
                tokenHash: try row.text("token_hash"),
                account: Account(
                    id: try row.text("id"), name: try row.text("name"),
                    createdAt: Date(milliseconds: try row.int64("account_created"))),
                csrfToken: try row.text("csrf_token"), createdAt: Date(milliseconds: try row.int64("created_at")),
                expiresAt: Date(milliseconds: try row.int64("expires_at")))
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await database.writeStatement("DELETE FROM dashboard_sessions WHERE token_hash = ?", [.text(tokenHash)])
    }

    public func pruneSessions(now: Date) async throws -> Int {
        try await database.writeStatement(
            "DELETE FROM dashboard_sessions WHERE expires_at <= ? RETURNING token_hash", [.int64(now.milliseconds)]
        ).count
    }
}
