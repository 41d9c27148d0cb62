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
        ],
        // 2: installation secrets, messages, events, cached images.
        [
            """
            CREATE TABLE secrets (
                name TEXT PRIMARY KEY,
                value BLOB NOT NULL
            ) STRICT
            """,
            """
            CREATE TABLE messages (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                recipient TEXT NOT NULL,
                tags TEXT NOT NULL,
                links TEXT NOT NULL,
                created_at INTEGER NOT NULL
            ) STRICT
            """,
            "CREATE INDEX messages_account ON messages(account_id, created_at)",
            """
            CREATE TABLE events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                type TEXT NOT NULL,
                message_id TEXT,
                occurred_at INTEGER NOT NULL,
                machine_reason TEXT,
                variables TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX events_account ON events(account_id, seq)",
            "CREATE INDEX events_account_time ON events(account_id, occurred_at)",
            "CREATE INDEX events_message ON events(message_id)",
            """
            CREATE TABLE image_cache (
                url TEXT PRIMARY KEY,
                content_type TEXT NOT NULL,
                body BLOB NOT NULL,
                fetched_at INTEGER NOT NULL
            ) STRICT
            """,
        ],
        // 3: profile databases and profiles; messages name their recipient's profile.
        [
            """
            CREATE TABLE profile_databases (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                UNIQUE (account_id, name)
            ) STRICT
            """,
            """
            CREATE TABLE profiles (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                database_id TEXT NOT NULL REFERENCES profile_databases(id) ON DELETE CASCADE,
                fields TEXT NOT NULL,
                interests TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                modified_at INTEGER NOT NULL
            ) STRICT
            """,
            "CREATE INDEX profiles_database ON profiles(database_id, created_at)",
            "ALTER TABLE messages ADD COLUMN profile_id TEXT",
        ],
        // 4: collections and their subprofiles.
        [
            """
            CREATE TABLE collections (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                database_id TEXT NOT NULL REFERENCES profile_databases(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                UNIQUE (database_id, name)
            ) STRICT
            """,
            """
            CREATE TABLE subprofiles (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                database_id TEXT NOT NULL,
                collection_id TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
                profile_id TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
                fields TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                modified_at INTEGER NOT NULL
            ) STRICT
            """,
            "CREATE INDEX subprofiles_collection ON subprofiles(collection_id, created_at)",
            "CREATE INDEX subprofiles_profile ON subprofiles(profile_id)",
            "ALTER TABLE messages ADD COLUMN subprofile_id TEXT",
        ],
    ]

    static var latestVersion: Int { migrations.count }
}
