import Foundation

/// The base URL of this installation as the outside world reaches it, such as
/// `https://ricochet.example.com` (no trailing slash, no query or fragment).
public struct PublicURL: Sendable, Equatable, CustomStringConvertible {
    public let string: String

    public var description: String { string }

    public init(_ string: String) throws(PublicURLError) {
        guard let components = URLComponents(string: string), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw PublicURLError(input: string, reason: "it must be an absolute http or https URL")
        }
        guard components.query == nil, components.fragment == nil, components.user == nil else {
            throw PublicURLError(input: string, reason: "it must not have a query, fragment or credentials")
        }
        var normalized = string
        while normalized.hasSuffix("/") { normalized.removeLast() }
        self.string = normalized
    }

    private init(unchecked string: String) {
        self.string = string
    }

    /// The host name, without port or brackets.
    public var host: String {
        URLComponents(string: string)?.host ?? "localhost"
    }

    /// `http://HOST:PORT` for a listening address.
    public static func listening(host: String, port: Int) -> PublicURL {
        let shownHost = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
        let bracketed = shownHost.contains(":") ? "[\(shownHost)]" : shownHost
        return PublicURL(unchecked: "http://\(bracketed):\(port)")
    }
}

public struct PublicURLError: Error, CustomStringConvertible {
    let input: String
    let reason: String

    public var description: String { "invalid public URL '\(input)': \(reason)" }
}
