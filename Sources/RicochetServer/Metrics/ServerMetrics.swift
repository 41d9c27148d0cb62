import CoreMetrics
import RicochetCore
import RicochetDelivery
import RicochetMail
import RicochetStore

/// The metrics the server records, made once on its registry (or on no
/// registry at all, with `--metrics off`: then every call records nothing).
/// Label values come from fixed lists — event types, outcomes, route
/// templates, status codes — never from ids, URLs or addresses.
struct ServerMetrics: Sendable {
    let factory: any MetricsFactory
    let events: EventMetrics
    let http: HTTPMetrics
    let receiverSessions: SMTPSessionMetrics
    let submissionSessions: SMTPSessionMetrics
    let inbound: InboundMetrics
    let relay: RelayMetrics
    let delivery: DeliveryMetrics

    init(factory: any MetricsFactory) {
        self.factory = factory
        events = EventMetrics(factory: factory)
        http = HTTPMetrics(factory: factory)
        receiverSessions = SMTPSessionMetrics(listener: "receiver", factory: factory)
        submissionSessions = SMTPSessionMetrics(listener: "submission", factory: factory)
        inbound = InboundMetrics(factory: factory)
        relay = RelayMetrics(factory: factory)
        delivery = DeliveryMetrics(factory: factory)
    }

    static let none = ServerMetrics(factory: NOOPMetricsHandler.instance)
}

/// `ricochet_events_recorded_total{type,machine}`: every label pair exists
/// from the start, at zero, so a rate over it never starts with a gap.
struct EventMetrics: Sendable {
    private let counters: [EventType: (human: Counter, machine: Counter)]

    init(factory: any MetricsFactory) {
        var counters: [EventType: (human: Counter, machine: Counter)] = [:]
        for type in EventType.allCases {
            let make = { (machine: String) in
                Counter(
                    label: MetricDefinition.eventsRecorded.name,
                    dimensions: [("type", type.rawValue), ("machine", machine)], factory: factory)
            }
            counters[type] = (make("false"), make("true"))
        }
        self.counters = counters
    }

    static let none = EventMetrics(factory: NOOPMetricsHandler.instance)

    func recorded(_ events: some Sequence<Event>) {
        for event in events {
            guard let pair = counters[event.type] else { continue }
            (event.machineReason == nil ? pair.human : pair.machine).increment()
        }
    }
}

/// `ricochet_inbound_mail_total{kind}`: what returned mail turned out to be.
struct InboundMetrics: Sendable {
    private let kinds: [BounceReport.Kind: Counter]
    private let unmatched: Counter

    init(factory: any MetricsFactory) {
        let make = { (kind: String) in
            Counter(label: MetricDefinition.inboundMail.name, dimensions: [("kind", kind)], factory: factory)
        }
        let all: [BounceReport.Kind] = [.dsn, .arf, .bounce, .autoreply, .notBounce]
        kinds = Dictionary(
            uniqueKeysWithValues: all.map { ($0, make($0.rawValue.replacingOccurrences(of: "-", with: "_"))) })
        unmatched = make("unmatched")
    }

    static let none = InboundMetrics(factory: NOOPMetricsHandler.instance)

    /// A mail was made into events (or found to be about none of ours).
    func processed(_ kind: BounceReport.Kind, matched: Bool) {
        (matched ? kinds[kind] : unmatched)?.increment()
    }
}

/// The relay's intake and the outcomes of its attempts.
struct RelayMetrics: Sendable {
    private let submissions: Counter
    private let sent: Counter
    private let deferred: Counter
    private let failed: Counter
    private let dropped: Counter

    init(factory: any MetricsFactory) {
        submissions = Counter(label: MetricDefinition.relaySubmissions.name, dimensions: [], factory: factory)
        let make = { (outcome: String) in
            Counter(label: MetricDefinition.relayCopies.name, dimensions: [("outcome", outcome)], factory: factory)
        }
        sent = make("sent")
        deferred = make("deferred")
        failed = make("failed")
        dropped = make("dropped")
    }

    static let none = RelayMetrics(factory: NOOPMetricsHandler.instance)

    func accepted(_ count: Int) {
        submissions.increment(by: count)
    }

    func finished(_ next: RelayResult.Next) {
        switch next {
        case .sent: sent.increment()
        case .retry: deferred.increment()
        case .failed: failed.increment()
        }
    }

    func droppedOne() {
        dropped.increment()
    }
}
