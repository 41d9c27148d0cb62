import Foundation
import RicochetCore
import RicochetStore

/// Installation secrets, cached images, signing keys, dashboard sessions and users.
extension PostgresStore {
    public func secret(named name: String) async throws -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let fresh = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        // The first node to ask creates it; every later ask reads the same bytes.
        try await pool.query(
            "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            [.text(name), .blob(fresh)])
        guard
            let value = try await pool.query("SELECT value FROM secrets WHERE name = ?", [.text(name)]).first?
                .optionalBlob("value")
        else { throw StoreError.corrupt("secret \(name)") }
        return value
    }

    public func cachedImage(url: String) async throws -> CachedImage? {
        try await pool.query("SELECT url, content_type, body, fetched_at FROM image_cache WHERE url = ?", [.text(url)])
            .first.map { row in
                CachedImage(
                    url: try row.text("url"), contentType: try row.text("content_type"),
                    body: row.optionalBlob("body") ?? [], fetchedAt: Date(milliseconds: try row.int64("fetched_at")))
            }
    }

    public func cache(_ image: CachedImage) async throws {
        try await pool.query(
            """
            INSERT INTO image_cache (url, content_type, body, fetched_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (url) DO UPDATE SET content_type = excluded.content_type, body = excluded.body,
                fetched_at = excluded.fetched_at
            """,
            [.text(image.url), .text(image.contentType), .blob(image.body), .int64(image.fetchedAt.milliseconds)])
    }

    public func signingKeys(_ algorithm: SigningKeyAlgorithm, at now: Date) async throws -> [StoredSigningKey] {
        try await pool.query(StoredRecord.signingKeys, [.text(algorithm.rawValue), .int64(now.milliseconds)])
            .map(StoredRecord.signingKey(from:))
    }

    public func addSigningKey(
        id: String, algorithm: SigningKeyAlgorithm, privateKey: String, now: Date, grace: TimeInterval
    ) async throws {
        let retirement = now.addingTimeInterval(grace).milliseconds
        try await pool.transaction { connection in
            _ = try await connection.query("LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE")
            _ = try await connection.query(
                StoredRecord.retireSigningKeys, [.int64(retirement), .text(algorithm.rawValue), .int64(retirement)])
            _ = try await connection.query(
                StoredRecord.insertSigningKey,
                [.text(id), .text(algorithm.rawValue), .text(privateKey), .int64(now.milliseconds)])
        }
    }

    public func insertSession(_ session: DashboardSession) async throws {
        try await pool.query(
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
        try await pool.query(
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
        try await pool.query("DELETE FROM dashboard_sessions WHERE token_hash = ?", [.text(tokenHash)])
    }

    public func pruneSessions(now: Date) async throws -> Int {
        try await pool.query(
            "DELETE FROM dashboard_sessions WHERE expires_at <= ? RETURNING token_hash", [.int64(now.milliseconds)]
        ).count
    }

    public func createUser(email: String, account: Account.ID, passwordHash: String, now: Date) async throws
        -> String
    {
        let id = "usr_" + RandomToken.base32(length: 16)
        do {
            try await pool.query(
                "INSERT INTO users (id, email, account_id, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                [.text(id), .text(email), .text(account), .text(passwordHash), .int64(now.milliseconds)])
        } catch  where error.isUniqueViolation {
            throw StoreError.conflict
        }
        return id
    }

    public func user(email: String) async throws -> DashboardUser? {
        try await pool.query(
            """
            SELECT u.id, u.email, u.password_hash, a.id AS account_id, a.name, a.created_at
            FROM users u JOIN accounts a ON a.id = u.account_id WHERE lower(u.email) = lower(?)
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
}
