import CoreMetrics
import RicochetCore

/// How an SMTP connection ended, as `ricochet_smtp_sessions_total` counts it.
enum SMTPSessionEnd: String, CaseIterable, Sendable {
    /// The session closed it: after QUIT, or after too many errors.
    case quit
    /// The client went away without QUIT.
    case disconnected
    /// Idle for too long.
    case timeout
    /// Over a connection limit: answered 421 at once.
    case refused
    /// The listener was shutting down.
    case shutdown
    /// A broken connection, a failed TLS handshake, a client flooding lines.
    case error
}

/// `ricochet_smtp_sessions_total{listener,result}` of one listener.
struct SMTPSessionMetrics: Sendable {
    private let counters: [SMTPSessionEnd: Counter]

    init(listener: String, factory: any MetricsFactory) {
        counters = Dictionary(
            uniqueKeysWithValues: SMTPSessionEnd.allCases.map { end in
                (
                    end,
                    Counter(
                        label: MetricDefinition.smtpSessions.name,
                        dimensions: [("listener", listener), ("result", end.rawValue)], factory: factory)
                )
            })
    }

    static let none = SMTPSessionMetrics(listener: "none", factory: NOOPMetricsHandler.instance)

    func ended(_ end: SMTPSessionEnd) {
        counters[end]?.increment()
    }
}
