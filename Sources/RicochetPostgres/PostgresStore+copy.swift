import Foundation
import RicochetStore

extension PostgresStore: InstallationTarget {
    public func columns(of table: String) async throws -> [String] {
        try await pool.query(
            """
            SELECT column_name::text AS column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position
            """,
            [.text(table)]
        ).map { try $0.text("column_name") }
    }

    public func tablesWithRows(_ tables: [String]) async throws -> [String] {
        var occupied: [String] = []
        for table in tables where try await !pool.query("SELECT 1 AS found FROM \"\(table)\" LIMIT 1").isEmpty {
            occupied.append(table)
        }
        return occupied
    }

    /// In one transaction that also moves each identity column's sequence
    /// past the copied numbers, so rows made later do not collide with them.
    public func importing(_ body: @Sendable (any InstallationWriter) async throws -> Void) async throws {
        try await pool.transaction { connection in
            try await body(PostgresInstallationWriter(connection: connection))
            for row in try await connection.query(
                """
                SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND is_identity = 'YES'
                """)
            {
                let table = try row.text("table_name")
                let column = try row.text("column_name")
                _ = try await connection.query(
                    """
                    SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(MAX("\(column)"), 0) + 1, false)
                    FROM "\(table)"
                    """,
                    [.text(table), .text(column)])
            }
        }
    }
}

/// Multi-row inserts on the copy's connection.
struct PostgresInstallationWriter: InstallationWriter {
    let connection: PGConnection

    func insert(_ table: String, columns: [String], rows: [[CopiedValue]]) async throws {
        guard !rows.isEmpty else { return }
        let placeholders = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        var binds: [PGValue] = []
        binds.reserveCapacity(rows.count * columns.count)
        for row in rows {
            for (column, value) in zip(columns, row) {
                switch value {
                case .null: binds.append(.null)
                case .integer(let number): binds.append(.int64(number))
                case .text(let text): binds.append(.text(text))
                case .bytes(let bytes): binds.append(.blob(bytes))
                case .real:
                    throw StoreError.corrupt("\(table).\(column): a real number where none belongs")
                }
            }
        }
        _ = try await connection.query(
            """
            INSERT INTO "\(table)" (\(columns.map { "\"\($0)\"" }.joined(separator: ", ")))
            VALUES \(Array(repeating: placeholders, count: rows.count).joined(separator: ", "))
            """,
            binds)
    }
}
