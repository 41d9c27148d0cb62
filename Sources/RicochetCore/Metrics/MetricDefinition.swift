/// A metric the server exports: its Prometheus name, what it measures (the
/// `# HELP` line) and, for a histogram, its bucket bounds. Every metric is
/// defined here, in one list, so that the exposition, its help texts and
/// the shipped Grafana dashboard agree on the names.
public struct MetricDefinition: Sendable, Hashable {
    public let name: String
    public let help: String
    /// Upper bounds of a histogram's buckets, in its unit (seconds); empty otherwise.
    public let buckets: [Double]

    init(_ name: String, _ help: String, buckets: [Double] = []) {
        self.name = name
        self.help = help
        self.buckets = buckets
    }

    /// The definition of a metric name, if it is one of ours.
    public static func named(_ name: String) -> MetricDefinition? {
        byName[name]
    }

    private static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    public static let all: [MetricDefinition] = [
        buildInfo, eventsRecorded, deliveries, deliveryDuration, deliveryLag, deliveriesQueued,
        deliveriesInFlight, loopsOwned, httpRequests, smtpSessions, inboundMail, relaySubmissions, relayCopies,
        relayCopiesQueued, processCPU, processResident, processVirtual, processOpenFiles, processMaximumFiles,
        processStart,
    ]

    public static let buildInfo = MetricDefinition(
        "ricochet_build_info", "Always 1: the version, database backend and node name of this process.")
    public static let eventsRecorded = MetricDefinition(
        "ricochet_events_recorded_total",
        "Events this node recorded, by type and whether the hit came from a machine (a mail scanner or privacy proxy)."
    )
    public static let deliveries = MetricDefinition(
        "ricochet_deliveries_total",
        "Delivery attempts this node finished, by outcome: succeeded, retried (will be tried again) or failed (given up)."
    )
    public static let deliveryDuration = MetricDefinition(
        "ricochet_delivery_duration_seconds",
        "Time from sending a delivery request to the receiver's complete answer, or to the error.",
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60])
    public static let deliveryLag = MetricDefinition(
        "ricochet_delivery_lag_seconds",
        "Time from an event being recorded to the first attempt to deliver it to a loop.",
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600])
    public static let deliveriesQueued = MetricDefinition(
        "ricochet_deliveries_queued",
        "Deliveries waiting in the database to be sent, due now or later (the same on every node of a database).")
    public static let deliveriesInFlight = MetricDefinition(
        "ricochet_deliveries_in_flight",
        "Deliveries claimed by a node and being sent (the same on every node of a database).")
    public static let loopsOwned = MetricDefinition(
        "ricochet_loops_owned", "Feedback loops whose deliveries this node sends (it holds their leases).")
    public static let httpRequests = MetricDefinition(
        "ricochet_http_requests_total",
        "HTTP requests answered, by route template (unmatched for paths no route takes, over_limit for those refused when too many connections were open) and status code."
    )
    public static let smtpSessions = MetricDefinition(
        "ricochet_smtp_sessions_total",
        "SMTP connections ended, by listener (receiver, submission) and how: quit, disconnected, timeout, refused (over a connection limit), shutdown or error."
    )
    public static let inboundMail = MetricDefinition(
        "ricochet_inbound_mail_total",
        "Mail the SMTP receiver took and this node made into events, by kind: dsn, arf, bounce, autoreply, not_bounce, or unmatched (about no message of ours)."
    )
    public static let relaySubmissions = MetricDefinition(
        "ricochet_relay_submissions_total", "Mail the submission listener accepted (each durable before its 250).")
    public static let relayCopies = MetricDefinition(
        "ricochet_relay_copies_total",
        "Relayed copies this node finished an attempt on, by outcome: sent, deferred (tried again later), failed or dropped."
    )
    public static let relayCopiesQueued = MetricDefinition(
        "ricochet_relay_copies_queued",
        "Relayed copies not yet sent, by state: queued (never tried), deferred (waiting to be tried again) or sending (the same on every node of a database)."
    )
    public static let processCPU = MetricDefinition(
        "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.")
    public static let processResident = MetricDefinition(
        "process_resident_memory_bytes", "Resident memory size in bytes.")
    public static let processVirtual = MetricDefinition(
        "process_virtual_memory_bytes", "Virtual memory size in bytes.")
    public static let processOpenFiles = MetricDefinition("process_open_fds", "Number of open file descriptors.")
    public static let processMaximumFiles = MetricDefinition(
        "process_max_fds", "Maximum number of open file descriptors.")
    public static let processStart = MetricDefinition(
        "process_start_time_seconds", "Start time of the process since unix epoch in seconds.")
}
