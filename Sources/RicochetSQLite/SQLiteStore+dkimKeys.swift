import Foundation
import RicochetCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func insert(_ key: StoredDKIMKey) async throws {
        do {
            try await database.writeStatement(
                """
                INSERT INTO dkim_keys (id, account_id, domain, selector, algorithm, private_key, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(key.id), .text(key.accountID), .text(key.domain), .text(key.selector),
                    .text(key.algorithm.rawValue), .text(key.privateKey), .int64(key.createdAt.milliseconds),
                ])
        } catch let error as SQLiteError where error.message.contains("UNIQUE") {
            throw StoreError.conflict
        } catch let error as SQLiteError where error.message.contains("FOREIGN KEY") {
            throw StoreError.notFound
        }
    }

    public func dkimKeys(of account: Account.ID) async throws -> [StoredDKIMKey] {
        try await database.read(
            "SELECT \(StoredRecord.dkimKeyColumns) FROM dkim_keys WHERE account_id = ? ORDER BY created_at DESC, id",
            [.text(account)]
        ).map(StoredRecord.dkimKey(from:))
    }

    public func deleteDKIMKey(_ id: String, of account: Account.ID) async throws -> Bool {
        try await database.write { connection in
            try await !connection.query(
                "DELETE FROM dkim_keys WHERE id = ? AND account_id = ? RETURNING id", [.text(id), .text(account)]
            ).isEmpty
        }
    }
}
