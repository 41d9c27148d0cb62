import Foundation

/// A PostgreSQL server and database, from
/// `postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=disable|prefer|require`
/// (also `postgresql://`). The user and password may be percent-encoded; the
/// port defaults to 5432, the database to the user's name, `sslmode` to
/// `prefer`.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable {
        /// Never TLS.
        case disable
        /// TLS when the server offers it.
        case prefer
        /// TLS or no connection; the server's certificate is verified.
        case require
    }

    public let host: String
    public let port: Int
    public let user: String
    public let password: String?
    public let database: String
    public let tls: TLSMode

    public init(host: String, port: Int, user: String, password: String?, database: String, tls: TLSMode) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Parses a URL; the error says what is wrong with it, without its password.
    public init(_ text: String) throws(StoreError) {
        func bad(_ why: String) -> StoreError { .unsupportedLocation("\(Self.redacted(text)): \(why)") }
        guard let scheme = text.range(of: "://"), ["postgres", "postgresql"].contains(text[..<scheme.lowerBound])
        else { throw bad("not a postgres:// URL") }
        guard let components = URLComponents(string: text) else { throw bad("not a URL") }
        guard let host = components.host, !host.isEmpty else { throw bad("no host") }
        guard let user = components.user, !user.isEmpty else { throw bad("no user") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw bad("port out of range") }
        var path = components.path
        if path.hasPrefix("/") { path.removeFirst() }
        guard !path.contains("/") else { throw bad("the path names one database") }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw bad("sslmode is disable, prefer or require")
                }
                tls = mode
            default:
                throw bad("unknown parameter '\(item.name)' (only sslmode)")
            }
        }
        self.init(
            host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host, port: port,
            user: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: path.isEmpty ? (user.removingPercentEncoding ?? user) : (path.removingPercentEncoding ?? path),
            tls: tls)
    }

    /// The URL without its password, for messages and logs.
    public var description: String {
        let address = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(address):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://"),
            let at = text.range(of: "@", range: scheme.upperBound..<text.endIndex),
            let colon = text.range(of: ":", range: scheme.upperBound..<at.lowerBound)
        else { return text }
        return String(text[..<colon.upperBound]) + "…" + String(text[at.lowerBound...])
    }
}
