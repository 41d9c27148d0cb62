import Foundation
import RicochetCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func createUser(email: String, account: Account.ID, passwordHash: String, now: Date) async throws
        -> String
    {
        let id = "usr_" + RandomToken.base32(length: 16)
        do {
            try await database.writeStatement(
                "INSERT INTO users (id, email, account_id, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                [.text(id), .text(email), .text(account), .text(passwordHash), .int64(now.milliseconds)])
        } catch let error as SQLiteError where error.message.contains("UNIQUE") {
            throw StoreError.conflict
        }
        return id
    }

    public func user(email: String) async throws -> DashboardUser? {
        try await database.read(
            """
            SELECT u.id, u.email, u.password_hash, a.id AS account_id, a.name, a.created_at
            FROM users u JOIN accounts a ON a.id = u.account_id WHERE u.email = ?
            """,
            [.text(email)]
        ).first.map { row in
            DashboardUser(
                id: try row.text("id"), email: try row.text("email"),
                account: Account(
                    id: try row.text("account_id"), name: try row.text("name"),
                    createdAt: Date(milliseconds: try row.int64("created_at"))),
                passwordHash: try row.text("password_hash"))
        }
    }

    public func accounts() async throws -> [Account] {
        try await database.read("SELECT id, name, created_at FROM accounts ORDER BY created_at, id", []).map { row in
            Account(
                id: try row.text("id"), name: try row.text("name"),
                createdAt: Date(milliseconds: try row.int64("created_at")))
        }
    }
}
