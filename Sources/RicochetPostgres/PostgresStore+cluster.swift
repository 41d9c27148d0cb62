import Foundation
import RicochetCore
import RicochetStore

extension PostgresStore {
    public func heartbeat(_ node: NodeIdentity, startedAt: Date, now: Date, silentSince: Date) async throws
        -> [NodeRecord]
    {
        try await pool.transaction { connection in
            _ = try await connection.query(
                """
                INSERT INTO nodes (instance, name, started_at, heartbeat_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (instance) DO UPDATE SET heartbeat_at = excluded.heartbeat_at
                """,
                [.text(node.instance), .text(node.name), .int64(startedAt.milliseconds), .int64(now.milliseconds)])
            _ = try await connection.query(
                "DELETE FROM nodes WHERE heartbeat_at < ?", [.int64(silentSince.milliseconds)])
            return try await connection.query(
                "SELECT instance, name, started_at, heartbeat_at FROM nodes ORDER BY started_at, instance"
            ).map { row in
                NodeRecord(
                    instance: try row.text("instance"), name: try row.text("name"),
                    startedAt: Date(milliseconds: try row.int64("started_at")),
                    heartbeatAt: Date(milliseconds: try row.int64("heartbeat_at")))
            }
        }
    }

    public func leases(prefix: String, now: Date) async throws -> [String: String] {
        var leases: [String: String] = [:]
        for row in try await pool.query(
            "SELECT name, holder FROM leases WHERE starts_with(name, ?) AND expires_at > ?",
            [.text(prefix), .int64(now.milliseconds)])
        {
            leases[try row.text("name")] = try row.text("holder")
        }
        return leases
    }

    public func acquireLeases(_ names: [String], holder: String, until: Date, now: Date) async throws -> Set<String> {
        var held = Set<String>()
        for start in stride(from: 0, to: names.count, by: 5000) {
            let chunk = Array(Set(names[start..<min(start + 5000, names.count)])).sorted()
            for row in try await pool.query(
                """
                INSERT INTO leases (name, holder, expires_at)
                VALUES \(Array(repeating: "(?, ?, ?)", count: chunk.count).joined(separator: ", "))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.holder = excluded.holder OR leases.expires_at <= ?
                RETURNING name
                """,
                chunk.flatMap { [PGValue.text($0), .text(holder), .int64(until.milliseconds)] } + [
                    .int64(now.milliseconds)
                ])
            {
                held.insert(try row.text("name"))
            }
        }
        return held
    }

    public func releaseLeases(_ names: [String], holder: String) async throws {
        guard !names.isEmpty else { return }
        try await pool.query(
            "DELETE FROM leases WHERE holder = ? AND name IN (\(Array(repeating: "?", count: names.count).joined(separator: ", ")))",
            [.text(holder)] + names.map(PGValue.text))
    }

    public func leave(_ instance: String) async throws {
        try await pool.transaction { connection in
            _ = try await connection.query("DELETE FROM leases WHERE holder = ?", [.text(instance)])
            _ = try await connection.query("DELETE FROM nodes WHERE instance = ?", [.text(instance)])
        }
    }
}
