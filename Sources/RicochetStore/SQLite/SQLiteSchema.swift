/// The SQLite schema, as an ordered list of migrations. Version N is the
/// state after the first N migrations; `PRAGMA user_version` records it.
/// Append only: a released migration never changes.
enum SQLiteSchema {
    static let migrations: [[String]] = [
        // 1: accounts, API keys, feedback loops.
        [
            """
            CREATE TABLE accounts (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                created_at INTEGER NOT NULL
            ) STRICT
            """,
            """
            CREATE TABLE api_keys (
                hash TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                hint TEXT NOT NULL,
                created_at INTEGER NOT NULL
            ) STRICT
            """,
            "CREATE INDEX api_keys_account ON api_keys(account_id)",
            """
            CREATE TABLE loops (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                url TEXT NOT NULL,
                events TEXT NOT NULL,
                format TEXT NOT NULL,
                description TEXT NOT NULL,
                status TEXT NOT NULL,
                validation_filename TEXT NOT NULL UNIQUE,
                validation_content TEXT NOT NULL,
                validated_at INTEGER,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                revision INTEGER NOT NULL
            ) STRICT
            """,
            "CREATE INDEX loops_account ON loops(account_id, created_at)",
        ]
    ]

    static var latestVersion: Int { migrations.count }
}
