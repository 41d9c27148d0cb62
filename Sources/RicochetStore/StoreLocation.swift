/// Where the data lives: `--database sqlite:PATH` (or a bare path), or
/// `--database postgres://…` for several nodes on one database.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    public static let `default` = StoreLocation.sqlite(path: "./ricochet.db")

    public init(_ string: String) throws(StoreError) {
        if string.hasPrefix("sqlite:") {
            let path = String(string.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw .unsupportedLocation(string) }
            self = .sqlite(path: path)
        } else if string.hasPrefix("postgres://") || string.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(string))
        } else if string.contains("://") || string.isEmpty {
            throw .unsupportedLocation(PostgresLocation.redacted(string))
        } else {
            self = .sqlite(path: string)
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let location): location.description
        }
    }
}
