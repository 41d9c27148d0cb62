import Foundation
import Logging
import RicochetCore
import RicochetStore
import SQLiteNIO
import Synchronization

/// The embedded store: one SQLite file, the default for a single machine.
public final class SQLiteStore: Store {
    let database: SQLiteDatabaseFile
    let eventObservers = Mutex<[@Sendable () -> Void]>([])
    /// The fan-out planner for the loops as stored; nil after a loop changed.
    let fanOut = Mutex<DeliveryPlanner?>(nil)
    /// The keys erased addresses are kept under, once read.
    let erasedAddresses = ErasedAddressCache()

    private init(database: SQLiteDatabaseFile) {
        self.database = database
    }

    /// Opens the file at `path`, creating it and migrating its schema as needed.
    /// Throws ``StoreError/newerSchema(found:supported:)`` for a file written
    /// by a newer version.
    public static func open(path: String, logger: Logger) async throws -> SQLiteStore {
        SQLiteStore(database: try await SQLiteDatabaseFile.open(path: path, logger: logger))
    }

    public func close() async {
        await database.close()
    }
}

extension SQLiteStore {
    public func createAccount(name: String, key: APIKey, now: Date) async throws -> Account {
        let account = Account(id: Account.newID(), name: name, createdAt: now)
        try await database.write { connection in try await Self.insert(account, key: key, on: connection) }
        return account
    }

    /// The account and its first key, inside the caller's transaction.
    private static func insert(_ account: Account, key: APIKey, on connection: SQLiteConnection) async throws {
        _ = try await connection.query(
            "INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)",
            [.text(account.id), .text(account.name), .int64(account.createdAt.milliseconds)])
        _ = try await connection.query(
            "INSERT INTO api_keys (hash, account_id, hint, created_at) VALUES (?, ?, ?, ?)",
            [.text(key.hash), .text(account.id), .text(key.hint), .int64(account.createdAt.milliseconds)])
    }

    /// `BEGIN IMMEDIATE` holds the file's write lock from the check to the
    /// insert, for other processes too.
    public func createFirstAccount(name: String, key: APIKey, now: Date) async throws -> Account? {
        let account = Account(id: Account.newID(), name: name, createdAt: now)
        return try await database.write { connection in
            guard try await connection.query("SELECT 1 AS one FROM accounts LIMIT 1").isEmpty else { return nil }
            try await Self.insert(account, key: key, on: connection)
            return account
        }
    }

    public func account(keyHash: String) async throws -> Account? {
        let rows = try await database.read(
            """
            SELECT accounts.id, accounts.name, accounts.created_at
            FROM api_keys JOIN accounts ON accounts.id = api_keys.account_id
            WHERE api_keys.hash = ?
            """,
            [.text(keyHash)]
        )
        return try rows.first.map { row in
            Account(
                id: try row.text("id"),
                name: try row.text("name"),
                createdAt: Date(milliseconds: try row.int64("created_at"))
            )
        }
    }

    public func hasAccounts() async throws -> Bool {
        try await !database.read("SELECT 1 FROM accounts LIMIT 1").isEmpty
    }

    public func addKey(_ key: APIKey, to account: Account.ID, now: Date) async throws {
        try await database.write { connection in
            guard try await !connection.query("SELECT 1 FROM accounts WHERE id = ?", [.text(account)]).isEmpty else {
                throw StoreError.notFound
            }
            _ = try await connection.query(
                "INSERT INTO api_keys (hash, account_id, hint, created_at) VALUES (?, ?, ?, ?)",
                [.text(key.hash), .text(account), .text(key.hint), .int64(now.milliseconds)]
            )
        }
    }

    /// A write through the writer, then a read on a connection opened for
    /// it: one with no page cache, which reads the file as it is now.
    public var backend: String { "sqlite" }

    public func checkReadWrite(now: Date) async throws {
        try await database.writeStatement(
            """
            INSERT INTO readiness_probe (id, checked_at) VALUES (1, ?)
            ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at
            """,
            [.int64(now.milliseconds)])
        let rows = try await database.readFresh("SELECT checked_at FROM readiness_probe WHERE id = 1")
        guard rows.first?.column("checked_at")?.integer != nil else {
            throw StoreError.corrupt("the readiness row written was not read back")
        }
    }
}

extension SQLiteRow: StoreRow {
    public func optionalText(_ column: String) -> String? {
        self.column(column)?.string
    }

    public func optionalInt64(_ column: String) -> Int64? {
        self.column(column)?.integer.map(Int64.init)
    }

    public func optionalBlob(_ column: String) -> [UInt8]? {
        self.column(column)?.blob.map { Array($0.readableBytesView) }
    }
}

extension SQLiteData {
    static func int64(_ value: Int64) -> SQLiteData {
        .integer(SQLiteInt64(value))
    }
}
