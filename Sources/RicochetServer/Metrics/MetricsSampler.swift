import CoreMetrics
import Foundation
import Logging
import RicochetCore
import RicochetStore
import Synchronization

/// Brings the metrics that are read rather than counted up to date just
/// before a scrape: the process's (from `/proc`, every time) and the depths
/// of the queues in the database (at most every `freshFor`, so that several
/// Prometheus servers scraping one node do not multiply the queries). A
/// slow database holds a scrape up by `patience` at most: the scrape then
/// answers the last depths read, and the one query under way is not
/// started again until it ends.
actor MetricsSampler<Depths: QueueDepthStore> {
    private let store: Depths
    private let logger: Logger
    private let deliveriesQueued: Gauge
    private let deliveriesInFlight: Gauge
    private let relay: [String: Gauge]
    private let cpu: FloatingPointCounter
    private let resident: Gauge
    private let virtual: Gauge
    private let openFiles: Gauge
    private let maximumFiles: Gauge
    private let start: Gauge
    private var cpuCounted = 0.0
    private var sampledAt: ContinuousClock.Instant?
    private var sampling: Task<Void, Never>?

    static var freshFor: Duration { .seconds(2) }
    static var patience: Duration { .seconds(3) }

    init(store: Depths, factory: any MetricsFactory, logger: Logger) {
        self.store = store
        self.logger = logger
        let gauge = { (definition: MetricDefinition, dimensions: [(String, String)]) in
            Gauge(label: definition.name, dimensions: dimensions, factory: factory)
        }
        deliveriesQueued = gauge(.deliveriesQueued, [])
        deliveriesInFlight = gauge(.deliveriesInFlight, [])
        relay = Dictionary(
            uniqueKeysWithValues: ["queued", "deferred", "sending"].map {
                ($0, gauge(.relayCopiesQueued, [("state", $0)]))
            })
        cpu = FloatingPointCounter(label: MetricDefinition.processCPU.name, dimensions: [], factory: factory)
        resident = gauge(.processResident, [])
        virtual = gauge(.processVirtual, [])
        openFiles = gauge(.processOpenFiles, [])
        maximumFiles = gauge(.processMaximumFiles, [])
        start = gauge(.processStart, [])
    }

    func refresh() async {
        if let process = ProcessSample.read() {
            cpu.increment(by: max(0, process.cpuSeconds - cpuCounted))
            cpuCounted = max(cpuCounted, process.cpuSeconds)
            resident.record(process.residentBytes)
            virtual.record(process.virtualBytes)
            openFiles.record(process.openFiles)
            maximumFiles.record(process.maximumFiles)
            start.record(process.startTime)
        }
        if sampling == nil, sampledAt.map({ ContinuousClock.now - $0 >= Self.freshFor }) ?? true {
            sampling = Task { await self.sampleDepths() }
        }
        if let sampling { await Self.wait(for: sampling, atMost: Self.patience) }
    }

    private func sampleDepths() async {
        defer { sampling = nil }
        do {
            let depths = try await store.queueDepths()
            deliveriesQueued.record(depths.deliveriesQueued)
            deliveriesInFlight.record(depths.deliveriesInFlight)
            relay["queued"]?.record(depths.relayQueued)
            relay["deferred"]?.record(depths.relayDeferred)
            relay["sending"]?.record(depths.relaySending)
            sampledAt = ContinuousClock.now
        } catch {
            logger.warning(
                "reading the queue depths for the metrics failed; the scrape shows the last ones read",
                metadata: ["error": "\(error)"])
        }
    }

    /// Returns when `task` ends or `limit` has passed, whichever is first
    /// (the task goes on).
    private static func wait(for task: Task<Void, Never>, atMost limit: Duration) async {
        let waiting = Waiting()
        await withCheckedContinuation { continuation in
            waiting.continuation.withLock { $0 = continuation }
            Task {
                await task.value
                waiting.resume()
            }
            Task {
                try? await Task.sleep(for: limit)
                waiting.resume()
            }
        }
    }

    /// A continuation that the first of two resumes it.
    private final class Waiting: Sendable {
        let continuation = Mutex<CheckedContinuation<Void, Never>?>(nil)

        func resume() {
            continuation.withLock { $0.take() }?.resume()
        }
    }
}
