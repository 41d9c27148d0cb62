import Foundation
import RicochetCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore {
    public func erase(_ address: String, account: Account.ID, key: String, messages: [String]) async throws
        -> ErasurePass
    {
        let mail = try await Erasure.returnedMail(naming: address, on: SQLiteReader(database: database))
        return try await database.write { connection in
            try await Erasure.run(
                address, account: account, key: key, messages: messages, returnedMail: mail,
                on: SQLiteTransaction(connection: connection))
        }
    }

    public func insert(_ erasure: StoredErasure) async throws {
        try await database.writeStatement(
            "INSERT INTO erasures (\(StoredRecord.erasureColumns)) VALUES (?, ?, ?, ?, ?)",
            [
                .text(erasure.id), .text(erasure.accountID), .text(erasure.addressKey),
                .text(StoredRecord.countsColumn(erasure.counts)), .int64(erasure.createdAt.milliseconds),
            ])
    }

    public func erasures(of account: Account.ID, before: String?, limit: Int) async throws -> [StoredErasure] {
        try await database.read(
            """
            SELECT \(StoredRecord.erasureColumns) FROM erasures WHERE account_id = ? AND id < ?
            ORDER BY id DESC LIMIT ?
            """,
            [.text(account), .text(before ?? "era_~"), .integer(limit)]
        ).map(StoredRecord.erasure(from:))
    }
}

/// Reads on the file's reader connections.
struct SQLiteReader: StoreReader {
    let database: SQLiteDatabaseFile

    func rows(_ sql: String, _ binds: [CopiedValue]) async throws -> [any StoreRow] {
        try await database.read(sql, binds.map(SQLiteTransaction.data))
    }
}

/// Statements of one SQLite write transaction, for work written once for both backends.
struct SQLiteTransaction: StoreTransaction {
    let connection: SQLiteConnection

    func rows(_ sql: String, _ binds: [CopiedValue]) async throws -> [any StoreRow] {
        try await connection.query(sql, binds.map(Self.data))
    }

    func run(_ sql: String, _ binds: [CopiedValue]) async throws {
        _ = try await connection.query(sql, binds.map(Self.data))
    }

    func jsonText(_ column: String, _ key: String) -> String {
        "json_extract(\(column), '$.\(key)')"
    }

    static func data(_ value: CopiedValue) -> SQLiteData {
        switch value {
        case .null: .null
        case .integer(let number): .integer(Int(number))
        case .real(let number): .float(number)
        case .text(let text): .text(text)
        case .bytes(let bytes): .blob(ByteBuffer(bytes: bytes))
        }
    }
}
