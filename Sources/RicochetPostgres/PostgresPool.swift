import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import RicochetStore
import Synchronization

/// A value bound to a statement, as the stores speak of them.
enum PGValue: Sendable {
    case text(String)
    case int64(Int64)
    case blob([UInt8])
    case null
    /// A `text[]`: a column of many rows in one parameter (`unnest`), so a
    /// statement's text is the same whatever the number of rows; `nil` is NULL.
    case texts([String?])
    /// A `bigint[]`.
    case int64s([Int64?])
    /// A `bytea[]`.
    case blobs([[UInt8]?])

    static func integer(_ value: Int) -> PGValue { .int64(Int64(value)) }
}

/// A row by column name; a column the statement did not select reads as absent.
struct PGRow: StoreRow {
    let row: PostgresRandomAccessRow

    func optionalText(_ column: String) -> String? {
        guard row.contains(column) else { return nil }
        return try? row[column].decode(String?.self)
    }

    func optionalInt64(_ column: String) -> Int64? {
        guard row.contains(column) else { return nil }
        return try? row[column].decode(Int64?.self)
    }

    func optionalBlob(_ column: String) -> [UInt8]? {
        guard row.contains(column), let buffer = try? row[column].decode(ByteBuffer?.self) else { return nil }
        return Array(buffer.readableBytesView)
    }
}

/// Something statements run on: the pool, or one connection in a transaction.
protocol PGQuerying: Sendable {
    @discardableResult
    func query(_ sql: String, _ binds: [PGValue]) async throws -> [PGRow]

    /// Runs a statement that each connection prepares once and then runs by
    /// name: parsed and planned once, not on every call.
    @discardableResult
    func execute<Statement: PGPreparedStatement>(_ statement: Statement) async throws -> [PGRow]
}

/// A statement of the hot paths, with a constant text (`?` placeholders, as
/// the other statements), prepared on each connection the first time it runs
/// there.
protocol PGPreparedStatement: PostgresPreparedStatement where Row == PGRow {
    /// In the order of the statement's placeholders.
    var binds: [PGValue] { get }
}

extension PGPreparedStatement {
    func makeBindings() throws -> PostgresBindings { PostgresPool.bindings(binds) }
    func decodeRow(_ row: PostgresRow) throws -> PGRow { PGRow(row: row.makeRandomAccess()) }
}

extension PGQuerying {
    @discardableResult
    func query(_ sql: String) async throws -> [PGRow] { try await query(sql, []) }
}

/// One connection of the pool, inside a transaction.
struct PGConnection: PGQuerying {
    let connection: PostgresConnection
    let logger: Logger

    @discardableResult
    func query(_ sql: String, _ binds: [PGValue]) async throws -> [PGRow] {
        let rows = try await connection.query(PostgresPool.statement(sql, binds), logger: logger)
        var result: [PGRow] = []
        for try await row in rows { result.append(PGRow(row: row.makeRandomAccess())) }
        return result
    }

    @discardableResult
    func execute<Statement: PGPreparedStatement>(_ statement: Statement) async throws -> [PGRow] {
        var result: [PGRow] = []
        for try await row in try await connection.execute(statement, logger: logger) { result.append(row) }
        return result
    }
}

/// The connection pool (postgres-nio's `PostgresClient`, run by a task of
/// its own so that commands and servers use it alike).
final class PostgresPool: PGQuerying {
    let client: PostgresClient
    let logger: Logger
    private let runner: Task<Void, Never>

    init(_ location: PostgresLocation, logger: Logger) throws {
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: try Self.tls(location.tls))
        configuration.options.maximumConnections = 20
        self.logger = logger
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
    }

    static func tls(_ mode: PostgresLocation.TLSMode) throws -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    /// How long closing waits for the pool's task once it is cancelled.
    static let closeWait = Duration.seconds(5)

    /// Closes every connection and ends the pool's task. postgres-nio's
    /// `run()` has been seen not to return after closing all its connections
    /// (once in tens of shutdowns of a node under load; the process then hung
    /// until `--drain-timeout`): it is waited for ``closeWait`` at most, and
    /// left to end with the process.
    func close() async {
        runner.cancel()
        let runner = self.runner
        let ended = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let waiting = Mutex<CheckedContinuation<Bool, Never>?>(continuation)
            let resume: @Sendable (Bool) -> Void = { ended in
                waiting.withLock { continuation in
                    defer { continuation = nil }
                    return continuation
                }?.resume(returning: ended)
            }
            Task {
                await runner.value
                resume(true)
            }
            Task {
                try? await Task.sleep(for: Self.closeWait)
                resume(false)
            }
        }
        if !ended {
            logger.warning(
                "the PostgreSQL connection pool did not stop within \(Self.closeWait) of being closed; not waiting longer"
            )
        }
    }

    @discardableResult
    func query(_ sql: String, _ binds: [PGValue]) async throws -> [PGRow] {
        let rows = try await client.query(Self.statement(sql, binds), logger: logger)
        var result: [PGRow] = []
        for try await row in rows { result.append(PGRow(row: row.makeRandomAccess())) }
        return result
    }

    @discardableResult
    func execute<Statement: PGPreparedStatement>(_ statement: Statement) async throws -> [PGRow] {
        var result: [PGRow] = []
        for try await row in try await client.execute(statement, logger: logger) { result.append(row) }
        return result
    }

    /// Runs `body` in a transaction on one connection: committed when it
    /// returns, rolled back when it throws.
    func transaction<T: Sendable>(_ body: @Sendable (PGConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            _ = try await connection.query("BEGIN", logger: logger)
            do {
                let result = try await body(PGConnection(connection: connection, logger: logger))
                _ = try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    static func statement(_ sql: String, _ binds: [PGValue]) -> PostgresQuery {
        PostgresQuery(unsafeSQL: numbered(sql), binds: bindings(binds))
    }

    /// The statement with its `?` placeholders numbered (`$1`, `$2`, …) as
    /// PostgreSQL wants them, so that the SQL reads as the SQLite store's.
    /// A `?` inside a quoted string or identifier stays as it is.
    static func numbered(_ sql: String) -> String {
        var numbered = ""
        numbered.reserveCapacity(sql.utf8.count + 16)
        var index = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                numbered.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                numbered.append(character)
            } else if character == "?" {
                index += 1
                numbered += "$\(index)"
            } else {
                numbered.append(character)
            }
        }
        return numbered
    }

    static func bindings(_ binds: [PGValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .text(let text): bindings.append(text)
            case .int64(let number): bindings.append(number)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            case .null: bindings.appendNull()
            case .texts(let texts): bindings.append(PGArray(elements: texts))
            case .int64s(let numbers): bindings.append(PGArray(elements: numbers))
            case .blobs(let blobs): bindings.append(PGArray(elements: blobs.map { $0.map { ByteBuffer(bytes: $0) } }))
            }
        }
        return bindings
    }
}

extension PSQLError {
    /// The SQLSTATE the server answered with, if it answered.
    var sqlState: String? { serverInfo?[.sqlState] }
}

extension Error {
    /// A unique or primary key already held that value.
    var isUniqueViolation: Bool { (self as? PSQLError)?.sqlState == "23505" }
    /// A referenced row is not there (or went while the statement ran).
    var isForeignKeyViolation: Bool { (self as? PSQLError)?.sqlState == "23503" }
}
