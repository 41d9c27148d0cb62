import Foundation
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func signingKeys(at now: Date) async throws -> [StoredSigningKey] {
        try await database.read(
            """
            SELECT id, private_key, created_at, retires_at FROM signing_keys
            WHERE retires_at IS NULL OR retires_at > ? ORDER BY created_at DESC, id
            """,
            [.int64(now.milliseconds)]
        ).map { row in
            StoredSigningKey(
                id: try row.text("id"), privateKey: try row.text("private_key"),
                createdAt: Date(milliseconds: try row.int64("created_at")),
                retiresAt: row.optionalInt64("retires_at").map(Date.init(milliseconds:)))
        }
    }

    public func addSigningKey(id: String, privateKey: String, now: Date, grace: TimeInterval) async throws {
        let retirement = now.addingTimeInterval(grace).milliseconds
        try await database.write { connection in
            _ = try await connection.query(
                "UPDATE signing_keys SET retires_at = ? WHERE retires_at IS NULL OR retires_at > ?",
                [.int64(retirement), .int64(retirement)])
            _ = try await connection.query(
                "INSERT INTO signing_keys (id, private_key, created_at, retires_at) VALUES (?, ?, ?, NULL)",
                [.text(id), .text(privateKey), .int64(now.milliseconds)])
        }
    }
}
