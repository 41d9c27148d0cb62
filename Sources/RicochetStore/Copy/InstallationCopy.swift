import Foundation
import Synchronization

/// One column's value as it travels from one store to another.
public enum CopiedValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case bytes([UInt8])
}

/// A store read whole, table by table, as of one moment.
public protocol InstallationSource: Sendable {
    /// The columns of `table` here, in their order; empty when there is no such table.
    func columns(of table: String) async throws -> [String]
    /// Hands the rows of each of `tables`, in that order, to `page`, at most
    /// `pageSize` at a time, every one read in a single snapshot: what is
    /// written while the copy runs is not in it. A table's
    /// ``InstallationCopy/orderColumn``, where the source has no such
    /// column, is each row's place in the order the rows were inserted.
    func export(
        _ tables: [(name: String, columns: [String])], pageSize: Int,
        page: @Sendable (_ table: String, _ rows: [[CopiedValue]]) async throws -> Void
    ) async throws
}

/// A store filled from another in one transaction.
public protocol InstallationTarget: Sendable {
    func columns(of table: String) async throws -> [String]
    /// Those of `tables` that hold at least one row.
    func tablesWithRows(_ tables: [String]) async throws -> [String]
    /// Runs `body` in one transaction, which commits only if it returns:
    /// a copy that fails leaves the target as empty as it found it.
    func importing(_ body: @Sendable (any InstallationWriter) async throws -> Void) async throws
}

/// Inserts rows inside ``InstallationTarget/importing(_:)``.
public protocol InstallationWriter: Sendable {
    func insert(_ table: String, columns: [String], rows: [[CopiedValue]]) async throws
}

/// `ricochet copy`: moves a whole installation into an empty store.
///
/// Every table that holds what users made or were sent — accounts and key
/// hashes, users and their sessions, loops with their subscriptions, secrets
/// and validation, the accounts' DKIM keys, suppression lists, soft bounces
/// and erasures, the installation's signing keys and secrets (so links and
/// return paths already sent keep working), messages, profiles,
/// subprofiles, events, deliveries and their attempts, the relay's queue,
/// returned mail and the image cache — is copied row for row, its ids and
/// sequence numbers kept. What describes only the source's running nodes is
/// not: their registry and leases, the readiness probe, wrong-password counts.
/// Deliveries that were under way there are queued again, and returned
/// mail that was claimed is unclaimed, since no node of the target holds
/// them.
public enum InstallationCopy {
    /// Parents before children, so every reference finds its row.
    public static let tables = [
        "accounts", "api_keys", "users", "dashboard_sessions", "secrets", "signing_keys", "dkim_keys", "suppressions",
        "soft_bounces", "erasures",
        "loops", "loop_subscriptions", "loop_secrets",
        "profile_databases", "profiles", "collections", "subprofiles",
        "messages", "events", "deliveries", "delivery_attempts", "relay_submissions", "relay_copies",
        "inbound_mail", "image_cache",
    ]

    /// What a copy moved: rows a table, in copying order.
    public struct Report: Sendable {
        public var rows: [(table: String, count: Int)] = []
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The target holds data already.
        case targetNotEmpty([String])
        /// The two stores' schemas differ in a table.
        case schemaMismatch(table: String, source: [String], target: [String])

        public var description: String {
            switch self {
            case .targetNotEmpty(let tables):
                "the target database is not empty (rows in \(tables.joined(separator: ", "))); "
                    + "copy fills only an empty one, so nothing was copied"
            case .schemaMismatch(let table, let source, let target):
                "table \(table) differs: the source has columns (\(source.joined(separator: ", "))), "
                    + "the target (\(target.joined(separator: ", ")))"
            }
        }
    }

    /// A column the target may have where the source has none: the source
    /// fills it with each row's place in its insertion order.
    public static let orderColumn = "seq"

    /// Rows a statement: within PostgreSQL's 65,535 parameters for the widest table.
    public static let pageSize = 500

    public static func copy(
        from source: some InstallationSource, to target: some InstallationTarget, pageSize: Int = pageSize
    ) async throws -> Report {
        var planned: [(name: String, columns: [String])] = []
        for table in tables {
            let theirs = try await source.columns(of: table)
            let ours = try await target.columns(of: table)
            // A table ordered by SQLite's implicit rowid has a `seq` in PostgreSQL.
            let added = Set(ours).subtracting(theirs)
            guard !theirs.isEmpty, Set(theirs).isSubset(of: ours), added.isSubset(of: [orderColumn]) else {
                throw Failure.schemaMismatch(table: table, source: theirs, target: ours)
            }
            planned.append((table, theirs + added.sorted()))
        }
        let plan = planned
        let occupied = try await target.tablesWithRows(tables)
        guard occupied.isEmpty else { throw Failure.targetNotEmpty(occupied) }
        let counts = Counts()
        let columns = Dictionary(uniqueKeysWithValues: plan.map { ($0.name, $0.columns) })
        try await target.importing { writer in
            try await source.export(plan, pageSize: pageSize) { table, rows in
                guard let columns = columns[table] else { return }
                let rows = rows.map { settled(table, columns: columns, row: $0) }
                try await writer.insert(table, columns: columns, rows: rows)
                counts.add(rows.count, to: table)
            }
        }
        return Report(rows: tables.map { ($0, counts.count(of: $0)) })
    }

    /// A row as the target should hold it: nothing claimed by a node of the source.
    static func settled(_ table: String, columns: [String], row: [CopiedValue]) -> [CopiedValue] {
        var row = row
        func set(_ column: String, _ value: CopiedValue) {
            if let index = columns.firstIndex(of: column) { row[index] = value }
        }
        func value(_ column: String) -> CopiedValue? { columns.firstIndex(of: column).map { row[$0] } }
        switch table {
        case "deliveries" where value("status") == .text("sending"),
            "relay_copies" where value("status") == .text("sending"):
            set("status", .text("queued"))
            for column in ["lease_holder", "lease_id", "lease_expires_at"] { set(column, .null) }
        case "inbound_mail":
            set("claimed_by", .null)
            set("claimed_until", .null)
        default:
            break
        }
        return row
    }
}

/// Rows copied so far, a table.
private final class Counts: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func add(_ count: Int, to table: String) { counts.withLock { $0[table, default: 0] += count } }
    func count(of table: String) -> Int { counts.withLock { $0[table] ?? 0 } }
}
