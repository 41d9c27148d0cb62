import Foundation
import RicochetCore
import RicochetStore

extension PostgresStore {
    public func settings(of account: Account.ID) async throws -> AccountSettings {
        guard let row = try await pool.query(StoredRecord.selectSettings, [.text(account)]).first else {
            throw StoreError.notFound
        }
        return try StoredRecord.settings(from: row)
    }

    public func setSettings(_ settings: AccountSettings, of account: Account.ID) async throws {
        let rows = try await pool.query(
            StoredRecord.updateSettings,
            [
                .int64(Int64(settings.suppression.softBounceLimit)), .int64(Int64(settings.suppression.softBounceDays)),
                .text(settings.suppression.messagesMode.rawValue),
                settings.eventRetentionDays.map { .int64(Int64($0)) } ?? .null, .text(account),
            ])
        guard !rows.isEmpty else { throw StoreError.notFound }
    }

    public func eventRetentions() async throws -> [(account: Account.ID, days: Int)] {
        try await pool.query(StoredRecord.selectEventRetentions, []).map {
            (try $0.text("id"), Int(try $0.int64("event_retention_days")))
        }
    }

    public func pruneEvents(of account: Account.ID, before cutoff: Date) async throws -> Int {
        var removed = 0
        while true {
            let chunk = try await pool.query(StoredRecord.pruneEvents, [.text(account), .int64(cutoff.milliseconds)])
                .count
            removed += chunk
            if chunk < StoredRecord.pruneChunk { return removed }
        }
    }
}
