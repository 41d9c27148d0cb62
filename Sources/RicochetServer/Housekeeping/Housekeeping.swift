import Foundation
import Logging
import RicochetCore
import RicochetStore
import ServiceLifecycle

/// Hourly clean-up of what is kept only for a while, by one node an hour
/// (``ClusterStore/runsJob(_:holder:every:now:)``): soft bounces older than
/// the longest window an account can set.
struct Housekeeping<S: SuppressionStore & ClusterStore>: Service {
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
        do {
            guard try await store.runsJob("prune-soft-bounces", holder: holder, every: 3600, now: now) else {
                return
            }
            let window = Double(SuppressionSettings.softBounceDayRange.upperBound) * 86400
            let removed = try await store.pruneSoftBounces(before: now.addingTimeInterval(-window))
            if removed > 0 { logger.info("old soft bounces removed", metadata: ["count": "\(removed)"]) }
        } catch is CancellationError {
            return
        } catch {
            logger.error("removing old soft bounces failed", metadata: ["error": "\(error)"])
        }
    }
}
