/// How much work waits in the database, for the metrics: the same on every
/// node of one database.
public struct QueueDepths: Sendable, Equatable {
    /// Deliveries waiting to be sent, due now or later.
    public var deliveriesQueued = 0
    /// Deliveries a node has claimed and is sending.
    public var deliveriesInFlight = 0
    /// Relayed copies never tried yet.
    public var relayQueued = 0
    /// Relayed copies waiting to be tried again.
    public var relayDeferred = 0
    /// Relayed copies a node has claimed and is sending.
    public var relaySending = 0

    public init() {}
}

public protocol QueueDepthStore: Sendable {
    /// Counts read with one statement, each from a partial index of the
    /// rows it counts (never a scan of the finished ones).
    func queueDepths() async throws -> QueueDepths
}

extension StoredRecord {
    /// The statement of ``QueueDepthStore/queueDepths()``, the same on both backends.
    public static let queueDepths = """
        SELECT
            (SELECT COUNT(*) FROM deliveries WHERE status = 'queued') AS deliveries_queued,
            (SELECT COUNT(*) FROM deliveries WHERE status = 'sending') AS deliveries_sending,
            (SELECT COUNT(*) FROM relay_copies WHERE status = 'queued' AND attempts = 0) AS relay_queued,
            (SELECT COUNT(*) FROM relay_copies WHERE status = 'queued' AND attempts > 0) AS relay_deferred,
            (SELECT COUNT(*) FROM relay_copies WHERE status = 'sending') AS relay_sending
        """

    public static func queueDepths(from row: (some StoreRow)?) throws -> QueueDepths {
        guard let row else { throw StoreError.corrupt("queue depths: no row") }
        var depths = QueueDepths()
        depths.deliveriesQueued = Int(try row.int64("deliveries_queued"))
        depths.deliveriesInFlight = Int(try row.int64("deliveries_sending"))
        depths.relayQueued = Int(try row.int64("relay_queued"))
        depths.relayDeferred = Int(try row.int64("relay_deferred"))
        depths.relaySending = Int(try row.int64("relay_sending"))
        return depths
    }
}
