import CoreMetrics
import Foundation
import RicochetCore
import RicochetStore

/// What the dispatcher tells the metrics system: each finished attempt's
/// outcome, how long its request took, how long its delivery waited for a
/// first attempt, and how many loops this node sends for.
public struct DeliveryMetrics: Sendable {
    private let succeeded: Counter
    private let retried: Counter
    private let failed: Counter
    private let duration: CoreMetrics.Timer
    private let lag: CoreMetrics.Timer
    private let loopsOwned: Gauge

    public init(factory: any MetricsFactory) {
        let outcome = { (name: String) in
            Counter(label: MetricDefinition.deliveries.name, dimensions: [("outcome", name)], factory: factory)
        }
        succeeded = outcome("succeeded")
        retried = outcome("retried")
        failed = outcome("failed")
        duration = CoreMetrics.Timer(label: MetricDefinition.deliveryDuration.name, dimensions: [], factory: factory)
        lag = CoreMetrics.Timer(label: MetricDefinition.deliveryLag.name, dimensions: [], factory: factory)
        loopsOwned = Gauge(label: MetricDefinition.loopsOwned.name, dimensions: [], factory: factory)
        loopsOwned.record(0)
    }

    /// Records nothing: for dispatchers built without a metrics registry.
    public static let none = DeliveryMetrics(factory: NOOPMetricsHandler.instance)

    /// A request's answer (or error) is in, for the deliveries it carried;
    /// `sent` is false when nothing could be sent at all.
    func finished(_ results: [DeliveryResult], sent: Bool) {
        for result in results {
            switch result.next {
            case .succeeded: succeeded.increment()
            case .retry: retried.increment()
            case .failed: failed.increment()
            }
            if sent, result.delivery.attempts == 0 {
                lag.recordSeconds(max(0, result.attempt.startedAt.timeIntervalSince(result.delivery.createdAt)))
            }
        }
        if sent, let attempt = results.first?.attempt {
            duration.recordMilliseconds(attempt.durationMilliseconds)
        }
    }

    func owning(_ loops: Int) {
        loopsOwned.record(loops)
    }
}
