import Foundation
import OrderedCollections
import RicochetCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func insert(_ collection: ProfileCollection) async throws {
        try await database.write { connection in
            let taken = try await connection.query(
                "SELECT 1 FROM collections WHERE database_id = ? AND name = ?",
                [.text(collection.databaseID), .text(collection.name)])
            guard taken.isEmpty else { throw StoreError.conflict }
            _ = try await connection.query(
                "INSERT INTO collections (id, account_id, database_id, name, created_at) VALUES (?, ?, ?, ?, ?)",
                [
                    .text(collection.id), .text(collection.accountID), .text(collection.databaseID),
                    .text(collection.name), .int64(collection.createdAt.milliseconds),
                ])
        }
    }

    public func collections(in profileDatabase: String, of account: Account.ID) async throws -> [ProfileCollection] {
        try await database.read(
            """
            SELECT id, account_id, database_id, name, created_at FROM collections
            WHERE database_id = ? AND account_id = ? ORDER BY created_at, id
            """,
            [.text(profileDatabase), .text(account)]
        ).map(StoredRecord.collection(from:))
    }

    public func collection(_ id: String, of account: Account.ID) async throws -> ProfileCollection? {
        try await database.read(
            "SELECT id, account_id, database_id, name, created_at FROM collections WHERE id = ? AND account_id = ?",
            [.text(id), .text(account)]
        ).first.map(StoredRecord.collection(from:))
    }

    public func insert(_ subprofile: Subprofile, event: Event) async throws {
        try await writeRecordingEvents { connection in
            _ = try await connection.query(
                """
                INSERT INTO subprofiles (id, account_id, database_id, collection_id, profile_id, fields, created_at, modified_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(subprofile.id), .text(subprofile.accountID), .text(subprofile.databaseID),
                    .text(subprofile.collectionID), .text(subprofile.profileID),
                    .text(StoredRecord.fieldsColumn(subprofile.fields)),
                    .int64(subprofile.createdAt.milliseconds), .int64(subprofile.modifiedAt.milliseconds),
                ])
            try await self.record([event], on: connection)
        }
    }

    public func update(_ subprofile: Subprofile, event: Event) async throws {
        try await writeRecordingEvents { connection in
            let changed = try await connection.query(
                "UPDATE subprofiles SET fields = ?, modified_at = ? WHERE id = ? AND account_id = ? RETURNING id",
                [
                    .text(StoredRecord.fieldsColumn(subprofile.fields)), .int64(subprofile.modifiedAt.milliseconds),
                    .text(subprofile.id), .text(subprofile.accountID),
                ])
            guard !changed.isEmpty else { throw StoreError.notFound }
            try await self.record([event], on: connection)
        }
    }

    public func deleteSubprofile(_ subprofile: Subprofile, event: Event) async throws -> Bool {
        try await writeRecordingEvents { connection in
            let deleted = try await connection.query(
                "DELETE FROM subprofiles WHERE id = ? AND account_id = ? RETURNING id",
                [.text(subprofile.id), .text(subprofile.accountID)])
            guard !deleted.isEmpty else { return false }
            try await self.record([event], on: connection)
            return true
        }
    }

    public func subprofile(_ id: String, of account: Account.ID) async throws -> Subprofile? {
        try await database.read(
            "SELECT \(Self.subprofileColumns) FROM subprofiles WHERE id = ? AND account_id = ?",
            [.text(id), .text(account)]
        ).first.map(StoredRecord.subprofile(from:))
    }

    public func subprofiles(_ ids: [String]) async throws -> [String: Subprofile] {
        try await rows(ids, columns: Self.subprofileColumns, from: "subprofiles", as: StoredRecord.subprofile(from:))
            .reduce(into: [:]) { $0[$1.id] = $1 }
    }

    public func subprofiles(
        in collection: String, of account: Account.ID, where fields: [String: String], after: String?, limit: Int
    ) async throws -> [Subprofile] {
        let filters = Self.fieldConditions(fields)
        var conditions = ["collection_id = ?", "account_id = ?"] + filters.conditions
        var binds: [SQLiteData] = [.text(collection), .text(account)] + filters.binds
        if let after {
            conditions.append("rowid > (SELECT rowid FROM subprofiles WHERE id = ?)")
            binds.append(.text(after))
        }
        binds.append(.int64(Int64(limit)))
        return try await database.read(
            """
            SELECT \(Self.subprofileColumns) FROM subprofiles WHERE \(conditions.joined(separator: " AND "))
            ORDER BY rowid LIMIT ?
            """,
            binds
        ).map(StoredRecord.subprofile(from:))
    }

    static let subprofileColumns =
        "id, account_id, database_id, collection_id, profile_id, fields, created_at, modified_at"

}
