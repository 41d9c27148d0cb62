import Foundation
import RicochetCore

/// A node as the registry knows it.
public struct NodeRecord: Sendable, Equatable {
    public let instance: String
    public let name: String
    public let startedAt: Date
    public let heartbeatAt: Date

    public init(instance: String, name: String, startedAt: Date, heartbeatAt: Date) {
        self.instance = instance
        self.name = name
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
    }
}

/// The nodes on one database and the named leases they hold: a loop's
/// (`loop:ID`, whoever holds it dispatches the loop) and a periodic job's
/// (`job:NAME`, whoever holds it runs the job).
public protocol ClusterStore: Sendable {
    /// Records that `node` is alive at `now` and forgets nodes silent since
    /// `silentSince`; returns the nodes heard from since then, oldest first.
    func heartbeat(_ node: NodeIdentity, startedAt: Date, now: Date, silentSince: Date) async throws -> [NodeRecord]
    /// The leases whose names start with `prefix` and that have not expired
    /// at `now`: holder by name.
    func leases(prefix: String, now: Date) async throws -> [String: String]
    /// For each name: `holder` holds it until `until` if it was free, expired
    /// at `now`, or held by `holder` already. Returns the names `holder`
    /// holds afterwards.
    func acquireLeases(_ names: [String], holder: String, until: Date, now: Date) async throws -> Set<String>
    /// Gives up the leases `holder` holds of `names`.
    func releaseLeases(_ names: [String], holder: String) async throws
    /// A node that stops: its registry entry and every lease it holds go.
    func leave(_ instance: String) async throws
}

extension ClusterStore {
    /// Whether `holder` is the node to run the periodic job `name` now: the
    /// first node to ask in each period of `every` seconds takes the job's
    /// lease for that period, the others find it taken and skip it.
    public func runsJob(_ name: String, holder: String, every: TimeInterval, now: Date) async throws -> Bool {
        let lease = "job:" + name
        return try await acquireLeases([lease], holder: holder, until: now.addingTimeInterval(every), now: now)
            .contains(lease)
    }
}
