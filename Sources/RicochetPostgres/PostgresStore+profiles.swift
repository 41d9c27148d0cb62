import Foundation
import RicochetCore
import RicochetStore

/// Profile databases, profiles, collections and subprofiles; each change is
/// stored with the event that reports it (and that event's deliveries).
extension PostgresStore {
    public func insert(_ profileDatabase: ProfileDatabase) async throws {
        do {
            try await pool.query(
                "INSERT INTO profile_databases (id, account_id, name, created_at) VALUES (?, ?, ?, ?)",
                [
                    .text(profileDatabase.id), .text(profileDatabase.accountID), .text(profileDatabase.name),
                    .int64(profileDatabase.createdAt.milliseconds),
                ])
        } catch  where error.isUniqueViolation {
            throw StoreError.conflict
        }
    }

    public func profileDatabases(of account: Account.ID) async throws -> [ProfileDatabase] {
        try await pool.query(
            "SELECT id, account_id, name, created_at FROM profile_databases WHERE account_id = ? ORDER BY created_at, id",
            [.text(account)]
        ).map(StoredRecord.profileDatabase(from:))
    }

    public func profileDatabase(_ id: String, of account: Account.ID) async throws -> ProfileDatabase? {
        try await pool.query(
            "SELECT id, account_id, name, created_at FROM profile_databases WHERE id = ? AND account_id = ?",
            [.text(id), .text(account)]
        ).first.map(StoredRecord.profileDatabase(from:))
    }

    /// A change and its event in one transaction; the events' owners are woken after.
    private func recording<T: Sendable>(_ event: Event, _ change: @Sendable (PGConnection) async throws -> T)
        async throws -> T
    {
        let result = try await pool.transaction { connection in
            let result = try await change(connection)
            try await self.record([event], on: connection)
            return result
        }
        eventsCommitted()
        return result
    }

    public func insert(_ profile: Profile, event: Event) async throws {
        try await recording(event) { connection in
            _ = try await connection.query(
                """
                INSERT INTO profiles (id, account_id, database_id, fields, interests, created_at, modified_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(profile.id), .text(profile.accountID), .text(profile.databaseID),
                    .text(StoredRecord.fieldsColumn(profile.fields)),
                    .text(StoredRecord.interestsColumn(profile.interests)), .int64(profile.createdAt.milliseconds),
                    .int64(profile.modifiedAt.milliseconds),
                ])
        }
    }

    public func update(_ profile: Profile, event: Event) async throws {
        try await recording(event) { connection in
            let changed = try await connection.query(
                "UPDATE profiles SET fields = ?, interests = ?, modified_at = ? WHERE id = ? AND account_id = ? RETURNING id",
                [
                    .text(StoredRecord.fieldsColumn(profile.fields)),
                    .text(StoredRecord.interestsColumn(profile.interests)), .int64(profile.modifiedAt.milliseconds),
                    .text(profile.id), .text(profile.accountID),
                ])
            guard !changed.isEmpty else { throw StoreError.notFound }
        }
    }

    public func deleteProfile(_ profile: Profile, event: Event) async throws -> Bool {
        do {
            return try await recording(event) { connection in
                let deleted = try await connection.query(
                    "DELETE FROM profiles WHERE id = ? AND account_id = ? RETURNING id",
                    [.text(profile.id), .text(profile.accountID)])
                guard !deleted.isEmpty else { throw StoreError.notFound }
                return true
            }
        } catch StoreError.notFound {
            return false
        }
    }

    static let profileColumns = "id, account_id, database_id, fields, interests, created_at, modified_at"

    public func profile(_ id: String, of account: Account.ID) async throws -> Profile? {
        try await pool.query(
            "SELECT \(Self.profileColumns) FROM profiles WHERE id = ? AND account_id = ?", [.text(id), .text(account)]
        ).first.map(StoredRecord.profile(from:))
    }

    public func profiles(_ ids: [String]) async throws -> [String: Profile] {
        try await rows(ids, columns: Self.profileColumns, from: "profiles").map(StoredRecord.profile(from:))
            .reduce(into: [:]) { $0[$1.id] = $1 }
    }

    public func profiles(
        in profileDatabase: String, of account: Account.ID, where fields: [String: String], after: String?, limit: Int
    ) async throws -> [Profile] {
        try await page(
            from: "profiles", columns: Self.profileColumns, parent: ("database_id", profileDatabase), of: account,
            where: fields, after: after, limit: limit
        ).map(StoredRecord.profile(from:))
    }

    /// Rows of `table` under one parent whose `fields` hold all of `fields`,
    /// in the order they were made, after the row with id `after`.
    func page(
        from table: String, columns: String, parent: (column: String, id: String), of account: Account.ID,
        where fields: [String: String], after: String?, limit: Int
    ) async throws -> [PGRow] {
        var conditions = ["\(parent.column) = ?", "account_id = ?"]
        var binds: [PGValue] = [.text(parent.id), .text(account)]
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            conditions.append("fields::jsonb ->> ? = ?")
            binds += [.text(name), .text(value)]
        }
        if let after {
            conditions.append("seq > (SELECT seq FROM \(table) WHERE id = ?)")
            binds.append(.text(after))
        }
        binds.append(.integer(limit))
        return try await pool.query(
            "SELECT \(columns) FROM \(table) WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq LIMIT ?", binds
        )
    }

    public func insert(_ collection: ProfileCollection) async throws {
        do {
            try await pool.query(
                "INSERT INTO collections (id, account_id, database_id, name, created_at) VALUES (?, ?, ?, ?, ?)",
                [
                    .text(collection.id), .text(collection.accountID), .text(collection.databaseID),
                    .text(collection.name), .int64(collection.createdAt.milliseconds),
                ])
        } catch  where error.isUniqueViolation {
            throw StoreError.conflict
        }
    }

    public func collections(in profileDatabase: String, of account: Account.ID) async throws -> [ProfileCollection] {
        try await pool.query(
            """
            SELECT id, account_id, database_id, name, created_at FROM collections
            WHERE database_id = ? AND account_id = ? ORDER BY created_at, id
            """,
            [.text(profileDatabase), .text(account)]
        ).map(StoredRecord.collection(from:))
    }

    public func collection(_ id: String, of account: Account.ID) async throws -> ProfileCollection? {
        try await pool.query(
            "SELECT id, account_id, database_id, name, created_at FROM collections WHERE id = ? AND account_id = ?",
            [.text(id), .text(account)]
        ).first.map(StoredRecord.collection(from:))
    }

    public func insert(_ subprofile: Subprofile, event: Event) async throws {
        try await recording(event) { connection in
            _ = try await connection.query(
                """
                INSERT INTO subprofiles (id, account_id, database_id, collection_id, profile_id, fields, created_at, modified_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(subprofile.id), .text(subprofile.accountID), .text(subprofile.databaseID),
                    .text(subprofile.collectionID), .text(subprofile.profileID),
                    .text(StoredRecord.fieldsColumn(subprofile.fields)), .int64(subprofile.createdAt.milliseconds),
                    .int64(subprofile.modifiedAt.milliseconds),
                ])
        }
    }

    public func update(_ subprofile: Subprofile, event: Event) async throws {
        try await recording(event) { connection in
            let changed = try await connection.query(
                "UPDATE subprofiles SET fields = ?, modified_at = ? WHERE id = ? AND account_id = ? RETURNING id",
                [
                    .text(StoredRecord.fieldsColumn(subprofile.fields)), .int64(subprofile.modifiedAt.milliseconds),
                    .text(subprofile.id), .text(subprofile.accountID),
                ])
            guard !changed.isEmpty else { throw StoreError.notFound }
        }
    }

    public func deleteSubprofile(_ subprofile: Subprofile, event: Event) async throws -> Bool {
        do {
            return try await recording(event) { connection in
                let deleted = try await connection.query(
                    "DELETE FROM subprofiles WHERE id = ? AND account_id = ? RETURNING id",
                    [.text(subprofile.id), .text(subprofile.accountID)])
                guard !deleted.isEmpty else { throw StoreError.notFound }
                return true
            }
        } catch StoreError.notFound {
            return false
        }
    }

    static let subprofileColumns =
        "id, account_id, database_id, collection_id, profile_id, fields, created_at, modified_at"

    public func subprofile(_ id: String, of account: Account.ID) async throws -> Subprofile? {
        try await pool.query(
            "SELECT \(Self.subprofileColumns) FROM subprofiles WHERE id = ? AND account_id = ?",
            [.text(id), .text(account)]
        ).first.map(StoredRecord.subprofile(from:))
    }

    public func subprofiles(_ ids: [String]) async throws -> [String: Subprofile] {
        try await rows(ids, columns: Self.subprofileColumns, from: "subprofiles").map(StoredRecord.subprofile(from:))
            .reduce(into: [:]) { $0[$1.id] = $1 }
    }

    public func subprofiles(
        in collection: String, of account: Account.ID, where fields: [String: String], after: String?, limit: Int
    ) async throws -> [Subprofile] {
        try await page(
            from: "subprofiles", columns: Self.subprofileColumns, parent: ("collection_id", collection), of: account,
            where: fields, after: after, limit: limit
        ).map(StoredRecord.subprofile(from:))
    }
}
