import Foundation
import NIOCore
import RicochetStore
import SQLiteNIO

extension SQLiteStore: InstallationSource {
    public func columns(of table: String) async throws -> [String] {
        try await database.read("SELECT name FROM pragma_table_info(?) ORDER BY cid", [.text(table)]).map {
            try $0.text("name")
        }
    }

    /// On a connection of its own, in one read transaction: WAL keeps its
    /// snapshot while a server goes on writing. Each table is read in
    /// pages along its rowid, or its primary key where it has no rowid.
    public func export(
        _ tables: [(name: String, columns: [String])], pageSize: Int,
        page: @Sendable (_ table: String, _ rows: [[CopiedValue]]) async throws -> Void
    ) async throws {
        try await database.snapshot { connection in
            for table in tables {
                let info = try await connection.query(
                    "SELECT name, pk FROM pragma_table_info(?) ORDER BY pk, cid", [.text(table.name)])
                let own = Set(try info.map { try $0.text("name") })
                let withoutRowid =
                    try await connection.query(
                        "SELECT 1 AS found FROM sqlite_schema WHERE name = ? AND sql LIKE '%WITHOUT ROWID%'",
                        [.text(table.name)]
                    ).isEmpty == false
                let cursor =
                    withoutRowid
                    ? try info.filter { try $0.int64("pk") > 0 }.map { "\"\(try $0.text("name"))\"" } : ["rowid"]
                // The order column of a table without one is its rowid.
                let columns = table.columns.map { column in
                    own.contains(column) || column != InstallationCopy.orderColumn
                        ? "\"\(column)\"" : "rowid AS \"\(column)\""
                }
                let select =
                    (cursor.enumerated().map { "\($1) AS copy_key\($0)" } + columns).joined(separator: ", ")
                let order = cursor.joined(separator: ", ")
                var after: [SQLiteData]?
                while true {
                    let rows = try await connection.query(
                        """
                        SELECT \(select) FROM "\(table.name)"
                        \(after == nil ? "" : "WHERE (\(order)) > (\(cursor.map { _ in "?" }.joined(separator: ", ")))")
                        ORDER BY \(order) LIMIT ?
                        """,
                        (after ?? []) + [.integer(pageSize)])
                    guard let last = rows.last else { break }
                    after = cursor.indices.map { last.column("copy_key\($0)") ?? .null }
                    try await page(
                        table.name, try rows.map { row in try table.columns.map { try Self.copied(row, $0) } })
                    if rows.count < pageSize { break }
                }
            }
        }
    }

    private static func copied(_ row: SQLiteRow, _ column: String) throws -> CopiedValue {
        switch row.column(column) {
        case .integer(let value): .integer(Int64(value))
        case .float(let value): .real(value)
        case .text(let value): .text(value)
        case .blob(let value): .bytes(Array(value.readableBytesView))
        case .null, nil: .null
        }
    }
}
