import ArgumentParser
import Foundation
import Logging
import RicochetCore
import RicochetServer

/// `ricochet serve`: runs the server until SIGTERM or SIGINT, then drains.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server.",
        discussion: """
            Every option can also be given in the environment: RICOCHET_HTTP, RICOCHET_PUBLIC_URL,
            RICOCHET_DATABASE, RICOCHET_ALLOW_PRIVATE_NETWORKS=1, RICOCHET_BOUNCE_DOMAIN,
            RICOCHET_TRUSTED_PROXIES (comma-separated), RICOCHET_LOG_LEVEL, RICOCHET_LOG_FORMAT, RICOCHET_RETENTION_DAYS,
            RICOCHET_SMTP, RICOCHET_HTTP_IDLE_TIMEOUT, RICOCHET_HTTP_MAX_CONNECTIONS, RICOCHET_DRAIN_TIMEOUT,
            RICOCHET_SUBMISSION, RICOCHET_SUBMISSION_AUTH_IN_CLEAR=1, RICOCHET_SMARTHOST, RICOCHET_SMARTHOST_TLS,
            RICOCHET_SMARTHOST_AUTH, RICOCHET_RELAY_EXPIRE_HOURS, RICOCHET_METRICS.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Address to listen on (default 127.0.0.1:8080).", valueName: "host:port"))
    var http: String?

    @Option(
        name: .customLong("public-url"),
        help: ArgumentHelp(
            "Base URL the outside world reaches this server at, used in tracking links and shown to users (default: the listening address).",
            valueName: "url"))
    var publicURL: String?

    @Flag(
        name: .customLong("allow-private-networks"),
        help: "Let loop URLs reach loopback and private networks (for local use and tests).")
    var allowPrivateNetworks = false

    @Option(
        name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    @Option(
        name: .customLong("log-format"),
        help:
            "text (default) or json: one JSON object a line (time, level, message, label, node, metadata), the start-up banner too."
    )
    var logFormat: String?

    @Option(
        name: .customLong("bounce-domain"),
        help: ArgumentHelp(
            "Domain of the per-message return paths, bounces+TOKEN@DOMAIN (default: the public URL's host).",
            valueName: "name"))
    var bounceDomain: String?

    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "IP address of a proxy whose X-Forwarded-For is believed; repeat for several.", valueName: "ip"))
    var trustedProxies: [String] = []

    @Option(
        name: .customLong("ip-truncation"),
        help: ArgumentHelp(
            "How much of a client's IP address events keep: none (default), 24 (IPv4 /24, IPv6 /48) or 16 (IPv4 /16, IPv6 /32).",
            valueName: "none|24|16"))
    var ipTruncation: String?

    @Option(
        name: .customLong("retention-days"),
        help:
            "Days delivery attempts, finished deliveries, processed returned mail and relayed mail are kept (default 30)."
    )
    var retentionDays: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Address of the SMTP receiver that takes bounces for the return paths, or 'off' (default 127.0.0.1:2525).",
            valueName: "host:port"))
    var smtp: String?

    @Option(
        name: .customLong("smtp-tls-cert"),
        help: ArgumentHelp(
            "PEM certificate chain the SMTP receiver offers with STARTTLS (with --smtp-tls-key).", valueName: "file"))
    var smtpCertificate: String?

    @Option(
        name: .customLong("smtp-tls-key"),
        help: ArgumentHelp("PEM private key of --smtp-tls-cert.", valueName: "file"))
    var smtpKey: String?

    @Option(
        name: .customLong("http-idle-timeout"),
        help: ArgumentHelp(
            "Seconds an HTTP connection may wait for a complete request head, between parts of a body, or for the client to read an answer (default 30).",
            valueName: "seconds"))
    var httpIdleTimeout: String?

    @Option(
        name: .customLong("http-max-connections"),
        help: ArgumentHelp(
            "HTTP connections open at once; more are answered 503 (default 10000, fewer when the open-file limit is lower).",
            valueName: "count"))
    var httpMaxConnections: String?

    @Option(
        name: .customLong("drain-timeout"),
        help: ArgumentHelp(
            "Seconds a shutdown may take to finish what is under way; then the process ends (default 30).",
            valueName: "seconds"))
    var drainTimeout: String?

    @Option(
        name: .customLong("node-name"),
        help: ArgumentHelp(
            "What this node is called among the nodes on one database, in logs and the dashboard (default: host name and process id).",
            valueName: "name"))
    var nodeName: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Address of the relay's submission listener, where applications send mail (AUTH as 'apikey' with an API key), or 'off' (default off; needs --smarthost).",
            valueName: "host:port"))
    var submission: String?

    @Flag(
        name: .customLong("submission-auth-in-clear"),
        help:
            "Offer AUTH on the submission listener without STARTTLS (local development only: keys cross the network in the clear)."
    )
    var submissionAuthInClear = false

    @Option(
        name: .long,
        help: ArgumentHelp("The mail server the relay hands its copies to.", valueName: "host:port"))
    var smarthost: String?

    @Option(
        name: .customLong("smarthost-tls"),
        help: ArgumentHelp(
            "none, opportunistic (STARTTLS when offered, certificate not checked) or required (STARTTLS with a checked certificate); default opportunistic.",
            valueName: "mode"))
    var smarthostTLS: String?

    @Option(
        name: .customLong("smarthost-auth"),
        help: ArgumentHelp(
            "AUTH at the smarthost: the username, and a file that holds the password.",
            valueName: "user:password-file"))
    var smarthostAuth: String?

    @Option(
        name: .customLong("relay-expire-hours"),
        help: "Hours a relayed copy is tried before it fails (default 72).")
    var relayExpireHours: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Address of the Prometheus metrics listener (GET /metrics, no key: keep it on a private address), or 'off' (default off).",
            valueName: "host:port"))
    var metrics: String?

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var configuration = AppConfiguration()
        let address = try ListenAddress(http ?? environment["RICOCHET_HTTP"] ?? "127.0.0.1:8080", option: "--http")
        configuration.host = address.host
        configuration.port = address.port
        if let publicURL = publicURL ?? environment["RICOCHET_PUBLIC_URL"] {
            do {
                configuration.publicURL = try PublicURL(publicURL)
            } catch {
                throw ValidationError("--public-url: \(error)")
            }
        }
        configuration.allowPrivateNetworks =
            allowPrivateNetworks
            || ["1", "true", "yes"].contains(environment["RICOCHET_ALLOW_PRIVATE_NETWORKS"]?.lowercased() ?? "")
        if let level = logLevel ?? environment["RICOCHET_LOG_LEVEL"] {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ValidationError("--log-level: unknown level '\(level)'")
            }
            configuration.logLevel = parsed
        }
        if let domain = bounceDomain ?? environment["RICOCHET_BOUNCE_DOMAIN"] {
            let valid =
                !domain.isEmpty && domain.count <= 253
                && domain.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." } && !domain.hasPrefix(".")
            guard valid else { throw ValidationError("--bounce-domain: '\(domain)' is not a domain name") }
            configuration.bounceDomain = domain.lowercased()
        }
        let proxies =
            trustedProxies.isEmpty
            ? (environment["RICOCHET_TRUSTED_PROXIES"] ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty } : trustedProxies
        for proxy in proxies where !ListenAddress.isIPAddress(proxy) {
            throw ValidationError("--trusted-proxy: '\(proxy)' is not an IP address")
        }
        configuration.trustedProxies = proxies
        if let text = ipTruncation ?? environment["RICOCHET_IP_TRUNCATION"] {
            guard let truncation = IPTruncation(rawValue: text.lowercased()) else {
                throw ValidationError("--ip-truncation must be none, 24 or 16, not '\(text)'")
            }
            configuration.ipTruncation = truncation
        }
        if let text = retentionDays ?? environment["RICOCHET_RETENTION_DAYS"] {
            guard let days = Double(text), days.isFinite, (1...3650).contains(days) else {
                throw ValidationError("--retention-days must be a number of days from 1 to 3650, not '\(text)'")
            }
            configuration.retentionDays = days
        }

        let smtpAddress = smtp ?? environment["RICOCHET_SMTP"] ?? "127.0.0.1:2525"
        if smtpAddress.lowercased() != "off" {
            let listen = try ListenAddress(smtpAddress, option: "--smtp")
            configuration.smtp = .init(host: listen.host, port: listen.port)
        }
        switch (
            smtpCertificate ?? environment["RICOCHET_SMTP_TLS_CERT"], smtpKey ?? environment["RICOCHET_SMTP_TLS_KEY"]
        ) {
        case (nil, nil):
            break
        case (let chain?, let key?):
            configuration.smtpCertificate = SMTPCertificate(chainPath: chain, keyPath: key)
        default:
            throw ValidationError("--smtp-tls-cert and --smtp-tls-key go together")
        }

        configuration.relay = try relayConfiguration(environment)
        let metricsAddress = metrics ?? environment["RICOCHET_METRICS"] ?? "off"
        if metricsAddress.lowercased() != "off" {
            let listen = try ListenAddress(metricsAddress, option: "--metrics")
            configuration.metrics = .init(host: listen.host, port: listen.port)
        }

        let openFiles = HTTPConnectionBudget.raiseOpenFileLimit()
        configuration.httpMaximumConnections = HTTPConnectionBudget.defaultMaximum(openFiles: openFiles)
        if let text = httpIdleTimeout ?? environment["RICOCHET_HTTP_IDLE_TIMEOUT"] {
            configuration.httpIdleTimeout = try Self.seconds(text, option: "--http-idle-timeout", range: 1...3600)
        }
        if let text = httpMaxConnections ?? environment["RICOCHET_HTTP_MAX_CONNECTIONS"] {
            guard let count = Int(text), (1...1_000_000).contains(count) else {
                throw ValidationError("--http-max-connections must be a whole number from 1 to 1000000, not '\(text)'")
            }
            configuration.httpMaximumConnections = count
        }
        if let text = drainTimeout ?? environment["RICOCHET_DRAIN_TIMEOUT"] {
            configuration.drainTimeout = try Self.seconds(text, option: "--drain-timeout", range: 1...3600)
        }

        if let name = nodeName ?? environment["RICOCHET_NODE_NAME"] {
            let allowed = name.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || $0.properties.numericType != nil
                        || "-_.:".unicodeScalars.contains($0))
            }
            guard !name.isEmpty, name.count <= 64, allowed else {
                throw ValidationError("--node-name must be 1 to 64 letters, digits and - _ . :, not '\(name)'")
            }
            configuration.node = .current(name: name)
        }

        let json = try Self.jsonLogs(logFormat ?? environment["RICOCHET_LOG_FORMAT"])
        if json {
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
        }
        let readiness = Readiness()
        var logger = Logger(label: "ricochet")
        logger[metadataKey: "node"] = "\(configuration.node.name)"
        logger.logLevel = configuration.logLevel
        let limit = configuration.drainTimeout
        let node = configuration.node.name
        let log = logger
        do {
            let store = try await database.open(logger: logger)
            try await serve(
                configuration, store: store, readiness: readiness, logger: logger,
                onReady: { Banner.print($0, json: json, node: node) }
            ) { waitingFor in
                let message =
                    "shutting down took longer than \(limit) (--drain-timeout), waiting for \(waitingFor); stopping now"
                if json {
                    log.critical("\(message)")
                } else {
                    FileHandle.standardError.write(Data("ricochet: \(message)\n".utf8))
                }
                Foundation.exit(1)
            }
        } catch let error where json && !(error is ExitCode) {
            // Not ArgumentParser's "Error: …" line: in JSON, as every other line.
            logger.critical("\(error)")
            throw ExitCode(1)
        }
    }

    static func jsonLogs(_ format: String?) throws -> Bool {
        switch format?.lowercased() {
        case nil, "text": return false
        case "json": return true
        case let other?: throw ValidationError("--log-format must be text or json, not '\(other)'")
        }
    }

    /// The relay's options, checked together: a submission listener needs a smarthost.
    func relayConfiguration(_ environment: [String: String]) throws -> RelayConfiguration? {
        let submissionText = submission ?? environment["RICOCHET_SUBMISSION"] ?? "off"
        let smarthostText = smarthost ?? environment["RICOCHET_SMARTHOST"]
        guard submissionText.lowercased() != "off" else {
            if smarthostText != nil { throw ValidationError("--smarthost is used only with --submission") }
            return nil
        }
        let listen = try ListenAddress(submissionText, option: "--submission")
        guard let smarthostText else {
            throw ValidationError("--submission needs --smarthost HOST:PORT, the mail server copies are handed to")
        }
        let target = try ListenAddress(smarthostText, option: "--smarthost")
        guard !smarthostText.hasPrefix(":"), target.port > 0 else {
            throw ValidationError("--smarthost: '\(smarthostText)' is not HOST:PORT")
        }
        var host = Smarthost(host: target.host, port: target.port)
        if let mode = smarthostTLS ?? environment["RICOCHET_SMARTHOST_TLS"] {
            guard let parsed = Smarthost.TLSMode(rawValue: mode.lowercased()) else {
                throw ValidationError("--smarthost-tls must be none, opportunistic or required, not '\(mode)'")
            }
            host.tls = parsed
        }
        if let auth = smarthostAuth ?? environment["RICOCHET_SMARTHOST_AUTH"] {
            guard let colon = auth.firstIndex(of: ":"), colon != auth.startIndex else {
                throw ValidationError("--smarthost-auth must be USER:PASSWORD-FILE, not '\(auth)'")
            }
            let file = String(auth[auth.index(after: colon)...])
            guard let data = FileManager.default.contents(atPath: file),
                let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .newlines), !text.isEmpty
            else {
                throw ValidationError("--smarthost-auth: cannot read a password from '\(file)'")
            }
            host.credentials = .init(username: String(auth[..<colon]), password: text)
        }
        var relay = RelayConfiguration(
            submission: .init(host: listen.host, port: listen.port), smarthost: host)
        relay.authenticationInClear =
            submissionAuthInClear
            || ["1", "true", "yes"].contains(environment["RICOCHET_SUBMISSION_AUTH_IN_CLEAR"]?.lowercased() ?? "")
        if let text = relayExpireHours ?? environment["RICOCHET_RELAY_EXPIRE_HOURS"] {
            guard let hours = Double(text), hours.isFinite, (0.01...720).contains(hours) else {
                throw ValidationError("--relay-expire-hours must be a number of hours up to 720, not '\(text)'")
            }
            relay.expiry = hours * 3600
        }
        return relay
    }

    static func seconds(_ text: String, option: String, range: ClosedRange<Double>) throws -> Duration {
        guard let seconds = Double(text), seconds.isFinite, range.contains(seconds) else {
            throw ValidationError(
                "\(option) must be a number of seconds from \(Int(range.lowerBound)) to \(Int(range.upperBound)), not '\(text)'"
            )
        }
        return .milliseconds(Int64(seconds * 1000))
    }
}

/// `HOST:PORT`, `[IPv6]:PORT`, or `:PORT` for all interfaces.
struct ListenAddress {
    static func isIPAddress(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) { return true }
        return text.contains(":") && text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }

    let host: String
    let port: Int

    init(_ string: String, option: String) throws {
        guard let colon = string.lastIndex(of: ":"), let port = Int(string[string.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw ValidationError("\(option): '\(string)' is not HOST:PORT")
        }
        var host = String(string[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }
}
