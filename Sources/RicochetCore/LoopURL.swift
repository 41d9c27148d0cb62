import Foundation

/// The address a feedback loop POSTs to: an absolute http(s) URL without
/// credentials or fragment.
public struct LoopURL: Sendable, Hashable, CustomStringConvertible {
    public static let maximumLength = 2048

    public let scheme: String
    public let host: String
    public let port: Int?
    /// The path as written, percent-encoding kept; `/` when the URL has none.
    public let path: String
    public let query: String?

    public var description: String { absoluteString }

    /// Made once: every request to the loop uses it.
    public let absoluteString: String

    /// `scheme://host[:port]`, the part shared by the loop and its validation file.
    public var origin: String { Self.origin(scheme: scheme, host: host, port: port) }

    private static func origin(scheme: String, host: String, port: Int?) -> String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(hostPart)" + (port.map { ":\($0)" } ?? "")
    }

    public init(_ string: String) throws(LoopURLError) {
        guard string.utf8.count <= Self.maximumLength else { throw .tooLong(maximum: Self.maximumLength) }
        guard !string.isEmpty else { throw .empty }
        guard !string.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true })
        else {
            throw .malformed
        }
        guard let components = URLComponents(string: string), let rawScheme = components.scheme else {
            throw .malformed
        }
        let scheme = rawScheme.lowercased()
        guard scheme == "http" || scheme == "https" else { throw .unsupportedScheme(rawScheme) }
        guard components.user == nil, components.password == nil else { throw .credentials }
        guard components.fragment == nil else { throw .fragment }
        guard var host = components.percentEncodedHost, !host.isEmpty else { throw .missingHost }
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        guard !host.contains("%") else { throw .malformed }
        if let port = components.port, !(1...65535).contains(port) { throw .malformed }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = components.port
        self.path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        self.query = components.percentEncodedQuery
        absoluteString =
            Self.origin(scheme: scheme, host: self.host, port: port) + path + (query.map { "?" + $0 } ?? "")
    }
}

/// Why a string is not acceptable as a loop URL. The descriptions are shown to users.
public enum LoopURLError: Error, Equatable, CustomStringConvertible {
    case empty
    case tooLong(maximum: Int)
    case malformed
    case unsupportedScheme(String)
    case credentials
    case fragment
    case missingHost

    public var description: String {
        switch self {
        case .empty: "the URL is empty"
        case .tooLong(let maximum): "the URL is longer than \(maximum) bytes"
        case .malformed:
            "the URL is not a valid absolute URL (spaces and other special characters must be percent-encoded, international domain names written in their xn-- form)"
        case .unsupportedScheme(let scheme): "the URL scheme '\(scheme)' is not supported; use http or https"
        case .credentials: "the URL must not contain a user name or password"
        case .fragment: "the URL must not contain a #fragment"
        case .missingHost: "the URL has no host"
        }
    }
}
