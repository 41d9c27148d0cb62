import Foundation
import Logging
import RicochetCore
import RicochetStore
import ServiceLifecycle

/// Hourly clean-up of what is kept only for a while, each job by one node an
/// hour (``ClusterStore/runsJob(_:holder:every:now:)``): soft bounces older
/// than the longest window an account can set, and the events of accounts
/// that keep them a limited time (`event_retention_days`), with their
/// deliveries.
struct Housekeeping<S: SuppressionStore & AccountSettingsStore & ClusterStore>: Service {
    let store: S
    /// This node process.
    let holder: String
    let logger: Logger

    static var interval: Duration { .seconds(3600) }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await runOnce(now: Date())
                try? await Task.sleep(for: Self.interval)
            }
        }
    }

    func runOnce(now: Date) async {
        await job("prune-soft-bounces", now: now, what: "old soft bounces") {
            let window = Double(SuppressionSettings.softBounceDayRange.upperBound) * 86400
            return try await store.pruneSoftBounces(before: now.addingTimeInterval(-window))
        }
        await job("prune-events", now: now, what: "events past their account's retention") {
            var removed = 0
            for (account, days) in try await store.eventRetentions() {
                removed += try await store.pruneEvents(
                    of: account, before: now.addingTimeInterval(-Double(days) * 86400))
            }
            return removed
        }
    }

    private func job(_ name: String, now: Date, what: String, _ body: () async throws -> Int) async {
        do {
            guard try await store.runsJob(name, holder: holder, every: 3600, now: now) else { return }
            let removed = try await body()
            if removed > 0 { logger.info("\(what) removed", metadata: ["count": "\(removed)"]) }
        } catch is CancellationError {
            return
        } catch {
            logger.error("removing \(what) failed", metadata: ["error": "\(error)"])
        }
    }
}
