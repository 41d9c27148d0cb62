import Foundation
import RicochetCore
import RicochetStore

extension PostgresStore {
    public func suppress(_ entry: StoredSuppression, event: Event) async throws {
        do {
            try await pool.transaction { connection in
                try await Self.apply([.suppress(entry, event: event)], on: connection)
                try await self.record([event], on: connection)
            }
            eventsCommitted()
        } catch  where error.isForeignKeyViolation {
            throw StoreError.notFound
        }
    }

    public func suppression(of address: String, account: Account.ID, at now: Date) async throws -> StoredSuppression? {
        try await suppressions(of: [address], account: account, at: now)[address]
    }

    public func suppressions(of addresses: [String], account: Account.ID, at now: Date) async throws
        -> [String: StoredSuppression]
    {
        try await StoredRecord.suppressions(
            of: addresses, account: account, at: now, erased: try await erasedAddresses.erasedAddress(in: self),
            on: PostgresReader(pool: pool))
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

    public func deleteSuppression(of address: String, account: Account.ID, now: Date) async throws
        -> StoredSuppression?
    {
        let keys = try await erasedAddresses.suppressionKeys(of: address, in: self)
        let deleted = try await pool.transaction { connection in
            let deleted = try await connection.query(
                """
                DELETE FROM suppressions WHERE account_id = ? AND address IN (?, ?)
                RETURNING \(StoredRecord.suppressionColumns)
                """,
                [.text(account), .text(keys[0]), .text(keys[1])]
            ).map(StoredRecord.suppression(from:))
            guard !deleted.isEmpty else { return StoredSuppression?.none }
            try await self.record(deleted.map { StoredRecord.deletionEvent(of: $0, at: now) }, on: connection)
            return deleted.first
        }
        if deleted != nil { eventsCommitted() }
        return deleted
    }

    public func softBounces(of address: String, account: Account.ID, since: Date) async throws -> Int {
        let rows = try await pool.query(
            StoredRecord.countSoftBounces, [.text(account), .text(address), .int64(since.milliseconds)])
        return Int(try rows.first?.int64("count") ?? 0)
    }

    public func pruneSoftBounces(before cutoff: Date) async throws -> Int {
        try await pool.query(StoredRecord.pruneSoftBounces + " RETURNING account_id", [.int64(cutoff.milliseconds)])
            .count
    }

    public func insert(_ events: [Event], suppressions: [SuppressionWrite]) async throws {
        guard !suppressions.isEmpty else { return try await insert(events) }
        try await pool.transaction { connection in
            try await self.record(events + suppressions.events, on: connection)
            try await Self.apply(suppressions, on: connection)
        }
        eventsCommitted()
    }

    /// The writes recording events decided, inside the caller's transaction.
    static func apply(_ writes: [SuppressionWrite], on connection: PGConnection) async throws {
        for write in writes {
            switch write {
            case .suppress(let entry, _):
                try await connection.query(
                    StoredRecord.upsertSuppression,
                    [
                        .text(entry.id), .text(entry.accountID), .text(entry.address), .text(entry.reason.rawValue),
                        entry.eventID.map(PGValue.text) ?? .null, .int64(entry.createdAt.milliseconds),
                        entry.expiresAt.map { .int64($0.milliseconds) } ?? .null,
                    ])
                try await connection.query(
                    StoredRecord.forgetSoftBounces, [.text(entry.accountID), .text(entry.address)])
            case .softBounce(let account, let address, let at, let cause):
                try await connection.query(
                    StoredRecord.insertSoftBounce,
                    [.text(account), .text(address), .int64(at.milliseconds), .text(cause)])
            }
        }
    }
}
