import RicochetStore

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
        // 5: delivery: loop settings and state, signing secrets, the outbox and its attempts.
        [
            "ALTER TABLE loops ADD COLUMN delivery TEXT NOT NULL DEFAULT '{}'",
            "ALTER TABLE loops ADD COLUMN disabled_at INTEGER",
            "ALTER TABLE loops ADD COLUMN disabled_reason TEXT",
            "ALTER TABLE loops ADD COLUMN last_success_at INTEGER",
            "ALTER TABLE loops ADD COLUMN failing_since INTEGER",
            """
            CREATE TABLE loop_secrets (
                loop_id TEXT NOT NULL REFERENCES loops(id) ON DELETE CASCADE,
                secret BLOB NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER
            ) STRICT
            """,
            "CREATE INDEX loop_secrets_loop ON loop_secrets(loop_id, created_at)",
            // Loops made before signing get a secret of their own; rotating shows it.
            "INSERT INTO loop_secrets SELECT id, randomblob(32), created_at, NULL FROM loops",
            """
            CREATE TABLE deliveries (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                loop_id TEXT NOT NULL REFERENCES loops(id) ON DELETE CASCADE,
                account_id TEXT NOT NULL,
                event_seq INTEGER NOT NULL REFERENCES events(seq) ON DELETE CASCADE,
                webhook_id TEXT NOT NULL,
                format TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                due_at INTEGER NOT NULL,
                body BLOB,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                last_status INTEGER,
                last_error TEXT
            ) STRICT
            """,
            "CREATE INDEX deliveries_due ON deliveries(loop_id, due_at) WHERE status = 'queued'",
            "CREATE INDEX deliveries_loop ON deliveries(loop_id, seq)",
            "CREATE INDEX deliveries_event ON deliveries(event_seq)",
            """
            CREATE TABLE delivery_attempts (
                id INTEGER PRIMARY KEY,
                delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
                started_at INTEGER NOT NULL,
                duration_ms INTEGER NOT NULL,
                status INTEGER,
                error_class TEXT,
                error TEXT,
                response_headers TEXT NOT NULL,
                response_body BLOB NOT NULL
            ) STRICT
            """,
            "CREATE INDEX delivery_attempts_delivery ON delivery_attempts(delivery_id, id)",
            // The outbox: an event queues one delivery per validated, enabled loop
            // of its account that asked for its type — in the statement that
            // records the event, so neither exists without the other.
            """
            CREATE TRIGGER events_outbox AFTER INSERT ON events BEGIN
                INSERT INTO deliveries (
                    id, loop_id, account_id, event_seq, webhook_id, format, status, due_at, created_at, updated_at)
                SELECT 'dlv_' || lower(hex(randomblob(10))), loops.id, NEW.account_id, NEW.seq, NEW.id,
                    loops.format, 'queued', \(nowMilliseconds), \(nowMilliseconds), \(nowMilliseconds)
                FROM loops
                WHERE loops.account_id = NEW.account_id AND loops.status = 'validated'
                    AND loops.disabled_at IS NULL
                    AND instr(' ' || loops.events || ' ', ' ' || NEW.type || ' ') > 0;
            END
            """,
        ],
        // 6: the installation's RSA keys for the classic feedback-loop signature.
        [
            """
            CREATE TABLE signing_keys (
                id TEXT PRIMARY KEY,
                private_key TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                retires_at INTEGER
            ) STRICT
            """
        ],
        // 7: the optional Ed25519 key of a loop's v1a signatures.
        ["ALTER TABLE loops ADD COLUMN ed25519_key BLOB"],
        // 8: mail received on the return paths, as it came, before anything is made of it.
        [
            """
            CREATE TABLE inbound_mail (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                received_at INTEGER NOT NULL,
                peer TEXT,
                helo TEXT NOT NULL,
                mail_from TEXT NOT NULL,
                rcpt_to TEXT NOT NULL,
                size INTEGER NOT NULL,
                data BLOB NOT NULL,
                processed_at INTEGER
            ) STRICT
            """,
            "CREATE INDEX inbound_mail_unprocessed ON inbound_mail(seq) WHERE processed_at IS NULL",
        ],
        // 9: the Message-ID each message is sent with, by which returned mail finds it.
        [
            "ALTER TABLE messages ADD COLUMN message_id_header TEXT",
            "CREATE INDEX messages_message_id_header ON messages(message_id_header) WHERE message_id_header IS NOT NULL",
        ],
        // 10: signed-in dashboard browsers, by the hash of their cookie's token.
        [
            """
            CREATE TABLE dashboard_sessions (
                token_hash TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                csrf_token TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL
            ) STRICT
            """,
            "CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions(expires_at)",
        ],
        // 11: the request each attempt sent, headers and signatures as they were.
        ["ALTER TABLE delivery_attempts ADD COLUMN request_headers TEXT"],
        // 12: recent attempts by time (the loops' last hour, pruning old ones).
        ["CREATE INDEX delivery_attempts_started ON delivery_attempts(started_at)"],
        // 13: dashboard users, who sign in with an email address and a password.
        [
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY,
                email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                password_hash TEXT NOT NULL,
                created_at INTEGER NOT NULL
            ) STRICT
            """
        ],
        // 14: the row readiness checks write and read back.
        [
            """
            CREATE TABLE readiness_probe (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                checked_at INTEGER NOT NULL
            ) STRICT
            """
        ],
        // 15: fan-out moves out of SQL. The trigger that queued deliveries goes:
        // the store plans them with DeliveryPlanner in the transaction that
        // records the events. A loop's subscriptions become rows.
        [
            """
            CREATE TABLE loop_subscriptions (
                loop_id TEXT NOT NULL REFERENCES loops(id) ON DELETE CASCADE,
                event_type TEXT NOT NULL,
                PRIMARY KEY (loop_id, event_type)
            ) STRICT, WITHOUT ROWID
            """,
            """
            INSERT INTO loop_subscriptions (loop_id, event_type)
            SELECT loops.id, names.value FROM loops, json_each('["' || replace(loops.events, ' ', '","') || '"]') AS names
            WHERE names.value != ''
            """,
            "DROP TRIGGER events_outbox",
            "ALTER TABLE loops DROP COLUMN events",
        ],
        // 16: a delivery being sent is held under a lease: the node process
        // that claimed it, the claim's id, and until when. What a stopped
        // process left in `sending` has an expired lease and is rescued.
        [
            "ALTER TABLE deliveries ADD COLUMN lease_holder TEXT",
            "ALTER TABLE deliveries ADD COLUMN lease_id TEXT",
            "ALTER TABLE deliveries ADD COLUMN lease_expires_at INTEGER",
            "UPDATE deliveries SET lease_expires_at = 0 WHERE status = 'sending'",
            "CREATE INDEX deliveries_leases ON deliveries(lease_holder, lease_expires_at) WHERE status = 'sending'",
        ],
        // 17: the nodes on this database, and the named leases they hold
        // (a loop's, so that one node at a time dispatches it; a periodic job's).
        [
            """
            CREATE TABLE nodes (
                instance TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                started_at INTEGER NOT NULL,
                heartbeat_at INTEGER NOT NULL
            ) STRICT
            """,
            """
            CREATE TABLE leases (
                name TEXT PRIMARY KEY,
                holder TEXT NOT NULL,
                expires_at INTEGER NOT NULL
            ) STRICT
            """,
            "CREATE INDEX leases_holder ON leases(holder)",
        ],
        // 18: returned mail is claimed by the node that makes it into events;
        // wrong dashboard passwords are counted here, for every node.
        [
            "ALTER TABLE inbound_mail ADD COLUMN claimed_by TEXT",
            "ALTER TABLE inbound_mail ADD COLUMN claimed_until INTEGER",
            """
            CREATE TABLE sign_in_failures (
                email TEXT PRIMARY KEY,
                count INTEGER NOT NULL,
                since INTEGER NOT NULL
            ) STRICT
            """,
        ],
        // 19: the keys accounts sign relayed mail with (DKIM).
        [
            """
            CREATE TABLE dkim_keys (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                domain TEXT NOT NULL,
                selector TEXT NOT NULL,
                algorithm TEXT NOT NULL,
                private_key TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                UNIQUE (account_id, domain, selector)
            ) STRICT
            """
        ],
        // 20: the relay's queue: each submission as it came, and a copy to
        // send for each of its recipients, claimed under a lease.
        [
            """
            CREATE TABLE relay_submissions (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                mail_from TEXT NOT NULL,
                received_at INTEGER NOT NULL,
                data BLOB NOT NULL
            ) STRICT
            """,
            """
            CREATE TABLE relay_copies (
                id TEXT PRIMARY KEY,
                submission_id TEXT NOT NULL REFERENCES relay_submissions(id) ON DELETE CASCADE,
                account_id TEXT NOT NULL,
                message_id TEXT NOT NULL,
                recipient TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                due_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                last_code INTEGER,
                last_enhanced TEXT,
                last_reply TEXT,
                lease_holder TEXT,
                lease_id TEXT,
                lease_expires_at INTEGER,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            ) STRICT
            """,
            "CREATE INDEX relay_copies_due ON relay_copies(due_at) WHERE status = 'queued'",
            "CREATE INDEX relay_copies_leases ON relay_copies(lease_expires_at) WHERE status = 'sending'",
            "CREATE INDEX relay_copies_message ON relay_copies(message_id)",
            "CREATE INDEX relay_copies_submission ON relay_copies(submission_id)",
        ],
        // 21: the queue page of an account, newest first, and the pruning
        // of old submissions.
        [
            "CREATE INDEX relay_copies_account ON relay_copies(account_id, created_at, id)",
            "CREATE INDEX relay_submissions_received ON relay_submissions(received_at)",
        ],
        // 22: signature schemes chosen per loop (those made before keep what
        // they sent: Standard Webhooks and the classic RSA signature, and
        // v1a where they had a key), and the installation's Ed25519 keys
        // beside its RSA keys.
        [
            "ALTER TABLE loops ADD COLUMN signing TEXT NOT NULL DEFAULT 'standard-webhooks,classic-rsa'",
            """
            UPDATE loops SET signing = 'standard-webhooks,standard-webhooks-ed25519,classic-rsa'
            WHERE ed25519_key IS NOT NULL
            """,
            "ALTER TABLE signing_keys ADD COLUMN algorithm TEXT NOT NULL DEFAULT 'rsa'",
        ],
        // 23: each account's suppression list, one entry per address, paged
        // newest first by its time-ordered id.
        [
            """
            CREATE TABLE suppressions (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                address TEXT NOT NULL,
                reason TEXT NOT NULL,
                event_id TEXT,
                created_at INTEGER NOT NULL,
                expires_at INTEGER,
                UNIQUE (account_id, address))
            """,
            "CREATE INDEX suppressions_page ON suppressions(account_id, id)",
        ],
        // 24: each account's settings for its suppression list; the soft
        // bounces counted towards its limit, one row each, forgotten once the
        // address is suppressed or the longest window has passed.
        [
            "ALTER TABLE accounts ADD COLUMN soft_bounce_limit INTEGER NOT NULL DEFAULT 5",
            "ALTER TABLE accounts ADD COLUMN soft_bounce_days INTEGER NOT NULL DEFAULT 15",
            "ALTER TABLE accounts ADD COLUMN messages_suppression TEXT NOT NULL DEFAULT 'refuse'",
            """
            CREATE TABLE soft_bounces (
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                address TEXT NOT NULL,
                occurred_at INTEGER NOT NULL,
                event_id TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX soft_bounces_address ON soft_bounces(account_id, address, occurred_at)",
            "CREATE INDEX soft_bounces_time ON soft_bounces(occurred_at)",
        ],
        // 25: erasures, kept as an audit list without the address; the
        // messages of one recipient found without reading them all; how
        // long each account keeps its events (NULL: for good).
        [
            "ALTER TABLE accounts ADD COLUMN event_retention_days INTEGER",
            """
            CREATE TABLE erasures (
                id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                address_key TEXT NOT NULL,
                counts TEXT NOT NULL,
                created_at INTEGER NOT NULL
            ) STRICT
            """,
            "CREATE INDEX erasures_page ON erasures(account_id, id)",
            "CREATE INDEX messages_recipient ON messages(account_id, lower(recipient))",
        ],
    ]

    static var latestVersion: Int { migrations.count }

    /// The time in milliseconds, in SQL any SQLite understands (also older
    /// ones than the bundled one, such as a system's sqlite3 opening the file).
    static let nowMilliseconds = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
}
