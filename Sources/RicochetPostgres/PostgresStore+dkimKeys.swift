import Foundation
import RicochetCore
import RicochetStore

extension PostgresStore {
    public func insert(_ key: StoredDKIMKey) async throws {
        do {
            try await pool.query(
                """
                INSERT INTO dkim_keys (id, account_id, domain, selector, algorithm, private_key, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(key.id), .text(key.accountID), .text(key.domain), .text(key.selector),
                    .text(key.algorithm.rawValue), .text(key.privateKey), .int64(key.createdAt.milliseconds),
                ])
        } catch  where error.isUniqueViolation {
            throw StoreError.conflict
        } catch  where error.isForeignKeyViolation {
            throw StoreError.notFound
        }
    }

    public func dkimKeys(of account: Account.ID) async throws -> [StoredDKIMKey] {
        try await pool.query(
            "SELECT \(StoredRecord.dkimKeyColumns) FROM dkim_keys WHERE account_id = ? ORDER BY created_at DESC, id",
            [.text(account)]
        ).map(StoredRecord.dkimKey(from:))
    }

    public func deleteDKIMKey(_ id: String, of account: Account.ID) async throws -> Bool {
        try await !pool.query(
            "DELETE FROM dkim_keys WHERE id = ? AND account_id = ? RETURNING id", [.text(id), .text(account)]
        ).isEmpty
    }
}
