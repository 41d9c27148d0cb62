import Foundation
import Logging
import NIOPosix
import PostgresNIO
import RicochetStore
import SQLiteNIO

/// Reads a whole database as a person would who looks for themselves in it:
/// every text and binary column of every table, lower-cased.
enum DatabaseScan {
    /// `table.column` of each column where one of `needles` (lower-case) stands.
    static func find(_ needles: [String], in location: StoreLocation) async throws -> [String] {
        switch location {
        case .sqlite(let path): try await sqlite(needles, path: path)
        case .postgres(let server): try await postgres(needles, server: server)
        }
    }

    private static func sqlite(_ needles: [String], path: String) async throws -> [String] {
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: .singleton, logger: Logger(label: "scan"),
            on: MultiThreadedEventLoopGroup.singleton.any())
        var found: [String] = []
        do {
            let tables = try await connection.query("SELECT name FROM sqlite_master WHERE type = 'table'")
                .compactMap { $0.column("name")?.string }
            for table in tables {
                let columns = try await connection.query("SELECT name FROM pragma_table_info(?)", [.text(table)])
                    .compactMap { $0.column("name")?.string }
                for column in columns {
                    for needle in needles {
                        let rows = try await connection.query(
                            "SELECT count(*) AS hits FROM \"\(table)\" WHERE instr(lower(CAST(\"\(column)\" AS TEXT)), ?) > 0",
                            [.text(needle)])
                        if (rows.first?.column("hits")?.integer ?? 0) > 0 {
                            found.append("\(table).\(column): \(needle)")
                        }
                    }
                }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        return found
    }

    private static func postgres(_ needles: [String], server: PostgresLocation) async throws -> [String] {
        let logger = Logger(label: "scan")
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(),
            configuration: .init(
                host: server.host, port: server.port, username: server.user, password: server.password,
                database: server.database, tls: .disable),
            id: 2, logger: logger
        ).get()
        var found: [String] = []
        do {
            let columns = try await connection.query(
                """
                SELECT table_name, column_name, data_type FROM information_schema.columns
                WHERE table_schema = current_schema() AND data_type IN ('text', 'bytea', 'character varying', 'jsonb')
                """, logger: logger)
            for try await (table, column, type) in columns.decode((String, String, String).self) {
                let text = type == "bytea" ? "encode(\"\(column)\", 'escape')" : "\"\(column)\"::text"
                for needle in needles {
                    let rows = try await connection.query(
                        "SELECT count(*)::bigint FROM \"\(unescaped: table)\" WHERE strpos(lower(\(unescaped: text)), \(needle)) > 0",
                        logger: logger)
                    for try await hits in rows.decode(Int64.self) where hits > 0 {
                        found.append("\(table).\(column): \(needle)")
                    }
                }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        return found
    }
}
