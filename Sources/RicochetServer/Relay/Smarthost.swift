import NIOCore

/// Where the relay hands its copies over, and how (`--smarthost`,
/// `--smarthost-tls`, `--smarthost-auth`).
public struct Smarthost: Sendable, Equatable {
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Never STARTTLS.
        case none
        /// STARTTLS when offered, the certificate not checked (as MTAs do
        /// between each other, RFC 7435).
        case opportunistic
        /// STARTTLS or nothing is sent, the certificate checked against the
        /// system's trust store and the host name.
        case required
    }

    public struct Credentials: Sendable, Equatable {
        public let username: String
        public let password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    public var host: String
    public var port: Int
    public var tls: TLSMode
    public var credentials: Credentials?
    /// Connections open at once; each sends one copy at a time.
    public var connections = 4
    /// How long a reply may take (RFC 5321 §4.5.3.2 asks for minutes).
    public var replyTimeout = TimeAmount.minutes(5)
    /// How long the reply to the end of a message may take.
    public var dataTimeout = TimeAmount.minutes(10)
    public var connectTimeout = TimeAmount.seconds(30)

    public init(host: String, port: Int, tls: TLSMode = .opportunistic, credentials: Credentials? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
        self.credentials = credentials
    }

    /// Whether the smarthost is this machine, where credentials may go in
    /// the clear (nobody else can read them on the way).
    var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
