/// Where the data lives, as given by `--database` or `RICOCHET_DATABASE`.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)

    public static let `default` = StoreLocation.sqlite(path: "./ricochet.db")

    /// Parses `sqlite:PATH`. A bare path is taken as an SQLite file too.
    public init(_ string: String) throws(StoreError) {
        if string.hasPrefix("sqlite:") {
            let path = String(string.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw .unsupportedLocation(string) }
            self = .sqlite(path: path)
        } else if string.contains("://") || string.isEmpty {
            throw .unsupportedLocation(string)
        } else {
            self = .sqlite(path: string)
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        }
    }
}
