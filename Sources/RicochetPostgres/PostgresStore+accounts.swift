import Foundation
import RicochetCore
import RicochetStore

extension PostgresStore {
    public func createAccount(name: String, key: APIKey, now: Date) async throws -> Account {
        let account = Account(id: Account.newID(), name: name, createdAt: now)
        try await pool.transaction { connection in try await Self.insert(account, key: key, on: connection) }
        return account
    }

    /// The account and its first key, inside the caller's transaction.
    private static func insert(_ account: Account, key: APIKey, on connection: PGConnection) async throws {
        try await connection.query(
            "INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)",
            [.text(account.id), .text(account.name), .int64(account.createdAt.milliseconds)])
        try await connection.query(
            "INSERT INTO api_keys (hash, account_id, hint, created_at) VALUES (?, ?, ?, ?)",
            [.text(key.hash), .text(account.id), .text(key.hint), .int64(account.createdAt.milliseconds)])
    }

    /// Under a transaction-scoped advisory lock, so that nodes starting at
    /// once on an empty database check and insert one after the other.
    public func createFirstAccount(name: String, key: APIKey, now: Date) async throws -> Account? {
        let account = Account(id: Account.newID(), name: name, createdAt: now)
        return try await pool.transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(?)", [.int64(Self.firstAccountLock)])
            guard try await connection.query("SELECT 1 AS one FROM accounts LIMIT 1").isEmpty else { return nil }
            try await Self.insert(account, key: key, on: connection)
            return account
        }
    }

    static let firstAccountLock: Int64 = 0x5269_636f_6669_7273  // "Ricofirs"

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
