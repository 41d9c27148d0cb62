/// What a receiving server answered.
public struct OutboundResponse: Sendable {
    public let status: Int
    /// Header fields in the order received.
    public let headers: [(name: String, value: String)]
    /// The body, up to the request's cap.
    public let body: [UInt8]
    /// Whether the body was longer than the cap.
    public let truncated: Bool
    public let durationMilliseconds: Int

    /// The body as text; invalid UTF-8 is replaced, never fatal.
    public var bodyText: String {
        String(decoding: body, as: UTF8.self)
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Why no answer came back. `kind` is stable (for logs and the API);
/// `message` is for people.
public struct OutboundError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        /// No answer in time (connecting, or waiting for the response).
        case timeout
        /// The host name did not resolve.
        case dns
        /// The connection was refused, reset or closed early.
        case connect
        /// The TLS handshake or certificate check failed.
        case tls
        /// The address is one the egress policy forbids.
        case refusedAddress = "refused_address"
        /// The server spoke, but not valid HTTP.
        case http
    }

    public let kind: Kind
    public let message: String
    public let durationMilliseconds: Int

    public var description: String { message }
}
