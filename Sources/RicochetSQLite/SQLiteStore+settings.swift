import Foundation
import RicochetCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func settings(of account: Account.ID) async throws -> AccountSettings {
        guard let row = try await database.read(StoredRecord.selectSettings, [.text(account)]).first else {
            throw StoreError.notFound
        }
        return try StoredRecord.settings(from: row)
    }

    public func setSettings(_ settings: AccountSettings, of account: Account.ID) async throws {
        let rows = try await database.writeStatement(
            StoredRecord.updateSettings,
            [
                .integer(settings.suppression.softBounceLimit), .integer(settings.suppression.softBounceDays),
                .text(settings.suppression.messagesMode.rawValue),
                settings.eventRetentionDays.map(SQLiteData.integer) ?? .null, .text(account),
            ])
        guard !rows.isEmpty else { throw StoreError.notFound }
    }

    public func eventRetentions() async throws -> [(account: Account.ID, days: Int)] {
        try await database.read(StoredRecord.selectEventRetentions).map {
            (try $0.text("id"), Int(try $0.int64("event_retention_days")))
        }
    }

    public func pruneEvents(of account: Account.ID, before cutoff: Date) async throws -> Int {
        var removed = 0
        while true {
            let chunk = try await database.writeStatement(
                StoredRecord.pruneEvents, [.text(account), .int64(cutoff.milliseconds)]
            ).count
            removed += chunk
            if chunk < StoredRecord.pruneChunk { return removed }
        }
    }
}
