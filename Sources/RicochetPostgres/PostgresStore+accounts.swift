import Foundation
import RicochetCore
import RicochetStore

extension PostgresStore {
    public func createAccount(name: String, key: APIKey, now: Date) async throws -> Account {
        let account = Account(id: Account.newID(), name: name, createdAt: now)
        try await pool.transaction { connection in
            _ = try await connection.query(
                "INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)",
                [.text(account.id), .text(account.name), .int64(now.milliseconds)])
            _ = try await connection.query(
                "INSERT INTO api_keys (hash, account_id, hint, created_at) VALUES (?, ?, ?, ?)",
                [.text(key.hash), .text(account.id), .text(key.hint), .int64(now.milliseconds)])
        }
        return account
    }

    public func account(keyHash: String) async throws -> Account? {
        try await pool.query(
            """
            SELECT accounts.id, accounts.name, accounts.created_at
            FROM api_keys JOIN accounts ON accounts.id = api_keys.account_id
            WHERE api_keys.hash = ?
            """,
            [.text(keyHash)]
        ).first.map(Self.account(from:))
    }

    public func hasAccounts() async throws -> Bool {
        try await !pool.query("SELECT 1 AS one FROM accounts LIMIT 1").isEmpty
    }

    public func accounts() async throws -> [Account] {
        try await pool.query("SELECT id, name, created_at FROM accounts ORDER BY created_at, id").map(
            Self.account(from:))
    }

    public func addKey(_ key: APIKey, to account: Account.ID, now: Date) async throws {
        try await pool.transaction { connection in
            guard try await !connection.query("SELECT 1 AS one FROM accounts WHERE id = ?", [.text(account)]).isEmpty
            else { throw StoreError.notFound }
            _ = try await connection.query(
                "INSERT INTO api_keys (hash, account_id, hint, created_at) VALUES (?, ?, ?, ?)",
                [.text(key.hash), .text(account), .text(key.hint), .int64(now.milliseconds)])
        }
    }

    static func account(from row: PGRow) throws -> Account {
        Account(
            id: try row.text("id"), name: try row.text("name"),
            createdAt: Date(milliseconds: try row.int64("created_at")))
    }
}
