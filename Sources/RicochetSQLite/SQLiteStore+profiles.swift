import Foundation
import OrderedCollections
import RicochetCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func insert(_ profileDatabase: ProfileDatabase) async throws {
        try await database.write { connection in
            let taken = try await connection.query(
                "SELECT 1 FROM profile_databases WHERE account_id = ? AND name = ?",
                [.text(profileDatabase.accountID), .text(profileDatabase.name)])
            guard taken.isEmpty else { throw StoreError.conflict }
            _ = try await connection.query(
                "INSERT INTO profile_databases (id, account_id, name, created_at) VALUES (?, ?, ?, ?)",
                [
                    .text(profileDatabase.id), .text(profileDatabase.accountID), .text(profileDatabase.name),
                    .int64(profileDatabase.createdAt.milliseconds),
                ])
        }
    }

    public func profileDatabases(of account: Account.ID) async throws -> [ProfileDatabase] {
        try await database.read(
            "SELECT id, account_id, name, created_at FROM profile_databases WHERE account_id = ? ORDER BY created_at, id",
            [.text(account)]
        ).map(StoredRecord.profileDatabase(from:))
    }

    public func profileDatabase(_ id: String, of account: Account.ID) async throws -> ProfileDatabase? {
        try await database.read(
            "SELECT id, account_id, name, created_at FROM profile_databases WHERE id = ? AND account_id = ?",
            [.text(id), .text(account)]
        ).first.map(StoredRecord.profileDatabase(from:))
    }

    public func insert(_ profile: Profile, event: Event) async throws {
        try await writeRecordingEvents { connection in
            _ = try await connection.query(
                """
                INSERT INTO profiles (id, account_id, database_id, fields, interests, created_at, modified_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                Self.binds(for: profile))
            try await self.record([event], on: connection)
        }
    }

    public func update(_ profile: Profile, event: Event) async throws {
        try await writeRecordingEvents { connection in
            let changed = try await connection.query(
                "UPDATE profiles SET fields = ?, interests = ?, modified_at = ? WHERE id = ? AND account_id = ? RETURNING id",
                [
                    .text(StoredRecord.fieldsColumn(profile.fields)),
                    .text(StoredRecord.interestsColumn(profile.interests)),
                    .int64(profile.modifiedAt.milliseconds), .text(profile.id), .text(profile.accountID),
                ])
            guard !changed.isEmpty else { throw StoreError.notFound }
            try await self.record([event], on: connection)
        }
    }

    public func deleteProfile(_ profile: Profile, event: Event) async throws -> Bool {
        try await writeRecordingEvents { connection in
            let deleted = try await connection.query(
                "DELETE FROM profiles WHERE id = ? AND account_id = ? RETURNING id",
                [.text(profile.id), .text(profile.accountID)])
            guard !deleted.isEmpty else { return false }
            try await self.record([event], on: connection)
            return true
        }
    }

    public func profile(_ id: String, of account: Account.ID) async throws -> Profile? {
        try await database.read(
            "SELECT \(Self.profileColumns) FROM profiles WHERE id = ? AND account_id = ?", [.text(id), .text(account)]
        ).first.map(StoredRecord.profile(from:))
    }

    public func profiles(_ ids: [String]) async throws -> [String: Profile] {
        try await rows(ids, columns: Self.profileColumns, from: "profiles", as: StoredRecord.profile(from:))
            .reduce(into: [:]) { $0[$1.id] = $1 }
    }

    public func profiles(
        in profileDatabase: String, of account: Account.ID, where fields: [String: String], after: String?, limit: Int
    ) async throws -> [Profile] {
        let filters = Self.fieldConditions(fields)
        var conditions = ["database_id = ?", "account_id = ?"] + filters.conditions
        var binds: [SQLiteData] = [.text(profileDatabase), .text(account)] + filters.binds
        if let after {
            conditions.append("rowid > (SELECT rowid FROM profiles WHERE id = ?)")
            binds.append(.text(after))
        }
        binds.append(.int64(Int64(limit)))
        return try await database.read(
            "SELECT \(Self.profileColumns) FROM profiles WHERE \(conditions.joined(separator: " AND ")) ORDER BY rowid LIMIT ?",
            binds
        ).map(StoredRecord.profile(from:))
    }

    static let profileColumns = "id, account_id, database_id, fields, interests, created_at, modified_at"

    static func binds(for profile: Profile) -> [SQLiteData] {
        [
            .text(profile.id), .text(profile.accountID), .text(profile.databaseID),
            .text(StoredRecord.fieldsColumn(profile.fields)), .text(StoredRecord.interestsColumn(profile.interests)),
            .int64(profile.createdAt.milliseconds), .int64(profile.modifiedAt.milliseconds),
        ]
    }

    /// Conditions that `fields` (a JSON column) holds each of `filters`.
    static func fieldConditions(_ filters: [String: String]) -> (conditions: [String], binds: [SQLiteData]) {
        var conditions: [String] = []
        var binds: [SQLiteData] = []
        for (name, value) in filters.sorted(by: { $0.key < $1.key }) {
            conditions.append("json_extract(fields, ?) = ?")
            binds += [.text("$.\"\(name.replacingOccurrences(of: "\"", with: "\"\""))\""), .text(value)]
        }
        return (conditions, binds)
    }

}
