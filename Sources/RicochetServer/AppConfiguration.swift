import Logging
import RicochetCore
import RicochetStore

/// Everything `ricochet serve` can be told.
public struct AppConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The base URL users and tracking links see; by default the listening address.
    public var publicURL: PublicURL?
    /// Lets outbound requests reach loopback and private networks (local use, tests).
    public var allowPrivateNetworks: Bool
    /// How long fetching a validation file may take, per location.
    public var validationTimeout: Duration
    /// How long a test call may take.
    public var testTimeout: Duration
    public var logLevel: Logger.Level
    /// The domain of return paths (`bounces+TOKEN@DOMAIN`); by default the public URL's host.
    public var bounceDomain: String?
    /// Proxies whose `X-Forwarded-For` is believed, by IP address.
    public var trustedProxies: [String]
    /// How much of a client's IP address events keep (`--ip-truncation`).
    public var ipTruncation = IPTruncation.none
    /// Days that delivery attempts and finished deliveries are kept.
    public var retentionDays: Double = 30
    /// Where the SMTP receiver of the return paths listens; nil: it does not.
    public var smtp: SMTPAddress?
    /// With a certificate, the SMTP receiver offers STARTTLS.
    public var smtpCertificate: SMTPCertificate?
    /// How long an HTTP connection may wait for a complete request head, a
    /// part of a body, or a client to read an answer.
    public var httpIdleTimeout: Duration = .seconds(30)
    /// HTTP connections open at once; more are answered 503 and closed.
    public var httpMaximumConnections = HTTPConnectionBudget.defaultMaximum()
    /// How long a shutdown may take: requests under way finish within it,
    /// and the process ends when it is over.
    public var drainTimeout: Duration = .seconds(30)
    /// This process among the nodes on the database (`--node-name`).
    public var node = NodeIdentity.current()
    /// The relay: the submission listener and the smarthost; nil: off.
    public var relay: RelayConfiguration?
    /// Where the Prometheus metrics are served (`--metrics`); nil: nowhere,
    /// and nothing is counted.
    public var metrics: Address?

    public typealias SMTPAddress = Address

    /// A host and port to listen on.
    public struct Address: Sendable, Equatable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        publicURL: PublicURL? = nil,
        allowPrivateNetworks: Bool = false,
        validationTimeout: Duration = .seconds(10),
        testTimeout: Duration = .seconds(15),
        logLevel: Logger.Level = .info,
        bounceDomain: String? = nil,
        trustedProxies: [String] = []
    ) {
        self.host = host
        self.port = port
        self.publicURL = publicURL
        self.allowPrivateNetworks = allowPrivateNetworks
        self.validationTimeout = validationTimeout
        self.testTimeout = testTimeout
        self.logLevel = logLevel
        self.bounceDomain = bounceDomain
        self.trustedProxies = trustedProxies
    }
}
