import Foundation
import NIOCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func secret(named name: String) async throws -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let fresh = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return try await database.write { connection in
            // The first node to ask creates it; every later ask reads the same bytes.
            _ = try await connection.query(
                "INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)",
                [.text(name), .blob(ByteBuffer(bytes: fresh))])
            guard
                let blob = try await connection.query("SELECT value FROM secrets WHERE name = ?", [.text(name)])
                    .first?.column("value")?.blob
            else { throw StoreError.corrupt("secret \(name)") }
            return Array(blob.readableBytesView)
        }
    }
}
