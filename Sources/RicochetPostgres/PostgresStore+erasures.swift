import Foundation
import RicochetCore
import RicochetStore

extension PostgresStore {
    public func erase(_ address: String, account: Account.ID, key: String, messages: [String]) async throws
        -> ErasurePass
    {
        let mail = try await Erasure.returnedMail(naming: address, on: PostgresReader(pool: pool))
        return try await pool.transaction { connection in
            try await Erasure.run(
                address, account: account, key: key, messages: messages, returnedMail: mail,
                on: PostgresTransaction(connection: connection))
        }
    }

    public func insert(_ erasure: StoredErasure) async throws {
        try await pool.query(
            "INSERT INTO erasures (\(StoredRecord.erasureColumns)) VALUES (?, ?, ?, ?, ?)",
            [
                .text(erasure.id), .text(erasure.accountID), .text(erasure.addressKey),
                .text(StoredRecord.countsColumn(erasure.counts)), .int64(erasure.createdAt.milliseconds),
            ])
    }

    public func erasures(of account: Account.ID, before: String?, limit: Int) async throws -> [StoredErasure] {
        try await pool.query(
            """
            SELECT \(StoredRecord.erasureColumns) FROM erasures WHERE account_id = ? AND id < ?
            ORDER BY id DESC LIMIT ?
            """,
            [.text(account), .text(before ?? "era_~"), .int64(Int64(limit))]
        ).map(StoredRecord.erasure(from:))
    }
}

/// Reads on the pool.
struct PostgresReader: StoreReader {
    let pool: PostgresPool

    func rows(_ sql: String, _ binds: [CopiedValue]) async throws -> [any StoreRow] {
        try await pool.query(sql, binds.map(PostgresTransaction.value))
    }
}

/// Statements of one PostgreSQL transaction, for work written once for both backends.
struct PostgresTransaction: StoreTransaction {
    let connection: PGConnection

    func rows(_ sql: String, _ binds: [CopiedValue]) async throws -> [any StoreRow] {
        try await connection.query(sql, binds.map(Self.value))
    }

    func run(_ sql: String, _ binds: [CopiedValue]) async throws {
        try await connection.query(sql, binds.map(Self.value))
    }

    func jsonText(_ column: String, _ key: String) -> String {
        "(\(column)::jsonb ->> '\(key)')"
    }

    static func value(_ value: CopiedValue) -> PGValue {
        switch value {
        case .null: .null
        case .integer(let number): .int64(number)
        case .real(let number): .text(String(number))
        case .text(let text): .text(text)
        case .bytes(let bytes): .blob(bytes)
        }
    }
}
