import Foundation
import RicochetCore
import RicochetStore

extension PostgresStore {
    public func suppress(_ entry: StoredSuppression) async throws {
        do {
            try await pool.query(
                """
                INSERT INTO suppressions (id, account_id, address, reason, event_id, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (account_id, address) DO UPDATE SET id = excluded.id, reason = excluded.reason,
                    event_id = excluded.event_id, created_at = excluded.created_at, expires_at = excluded.expires_at
                """,
                [
                    .text(entry.id), .text(entry.accountID), .text(entry.address), .text(entry.reason.rawValue),
                    entry.eventID.map(PGValue.text) ?? .null, .int64(entry.createdAt.milliseconds),
                    entry.expiresAt.map { .int64($0.milliseconds) } ?? .null,
                ])
        } catch  where error.isForeignKeyViolation {
            throw StoreError.notFound
        }
    }

    public func suppression(of address: String, account: Account.ID, at now: Date) async throws -> StoredSuppression? {
        try await pool.query(
            """
            SELECT \(StoredRecord.suppressionColumns) FROM suppressions
            WHERE account_id = ? AND address = ? AND (expires_at IS NULL OR expires_at > ?)
            """,
            [.text(account), .text(address), .int64(now.milliseconds)]
        ).first.map(StoredRecord.suppression(from:))
    }

    public func suppressions(of account: Account.ID, reason: SuppressionReason?, before: String?, limit: Int)
        async throws -> [StoredSuppression]
    {
        var conditions = ["account_id = ?"]
        var binds: [PGValue] = [.text(account)]
        if let reason {
            conditions.append("reason = ?")
            binds.append(.text(reason.rawValue))
        }
        if let before {
            conditions.append("id < ?")
            binds.append(.text(before))
        }
        binds.append(.int64(Int64(limit)))
        return try await pool.query(
            """
            SELECT \(StoredRecord.suppressionColumns) FROM suppressions
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT ?
            """,
            binds
        ).map(StoredRecord.suppression(from:))
    }

    public func deleteSuppression(of address: String, account: Account.ID) async throws -> StoredSuppression? {
        try await pool.query(
            "DELETE FROM suppressions WHERE account_id = ? AND address = ? RETURNING \(StoredRecord.suppressionColumns)",
            [.text(account), .text(address)]
        ).first.map(StoredRecord.suppression(from:))
    }
}
