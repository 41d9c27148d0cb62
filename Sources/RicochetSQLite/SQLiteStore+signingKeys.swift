import Foundation
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func signingKeys(_ algorithm: SigningKeyAlgorithm, at now: Date) async throws -> [StoredSigningKey] {
        try await database.read(StoredRecord.signingKeys, [.text(algorithm.rawValue), .int64(now.milliseconds)])
            .map(StoredRecord.signingKey(from:))
    }

    public func addSigningKey(
        id: String, algorithm: SigningKeyAlgorithm, privateKey: String, now: Date, grace: TimeInterval
    ) async throws {
        let retirement = now.addingTimeInterval(grace).milliseconds
        try await database.write { connection in
            _ = try await connection.query(
                StoredRecord.retireSigningKeys, [.int64(retirement), .text(algorithm.rawValue), .int64(retirement)])
            _ = try await connection.query(
                StoredRecord.insertSigningKey,
                [.text(id), .text(algorithm.rawValue), .text(privateKey), .int64(now.milliseconds)])
        }
    }
}
