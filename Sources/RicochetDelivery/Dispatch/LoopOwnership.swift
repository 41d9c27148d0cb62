import RicochetCore

/// Which loops this node dispatches: those whose lease it holds, as its
/// last heartbeat left them. A request of a loop starts only while the
/// loop's lease was renewed recently enough that it cannot have expired
/// (with a margin for clocks and a slow heartbeat); a loop the assignment
/// gives to another node is handed over, first starting nothing new, then
/// releasing its lease once its requests under way have finished, so a
/// loop's concurrency holds across the handover.
struct LoopOwnership {
    let leaseDuration: Duration
    let heartbeat: Duration
    /// Held loops and when their lease was last taken or renewed.
    private(set) var held: [FeedbackLoop.ID: ContinuousClock.Instant] = [:]
    /// Held loops that are to go to another node.
    private(set) var handingOver: Set<FeedbackLoop.ID> = []

    static let prefix = "loop:"

    static func leaseName(_ loop: FeedbackLoop.ID) -> String { prefix + loop }

    static func loop(ofLease name: String) -> FeedbackLoop.ID? {
        name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : nil
    }

    /// Whether a request of `loop` may start at `now`.
    func mayStart(_ loop: FeedbackLoop.ID, now: ContinuousClock.Instant) -> Bool {
        guard !handingOver.contains(loop), let renewed = held[loop] else { return false }
        return now - renewed < leaseDuration - heartbeat * 2
    }

    /// Starts handing over what this node holds and `mine` does not include.
    mutating func handOver(keeping mine: Set<FeedbackLoop.ID>) {
        for loop in held.keys where !mine.contains(loop) { handingOver.insert(loop) }
        handingOver.subtract(mine)
    }

    /// What the next renewal asks for: the loops assigned here and those still held.
    func wanted(_ mine: Set<FeedbackLoop.ID>) -> Set<FeedbackLoop.ID> {
        mine.union(held.keys)
    }

    /// Records the outcome of a renewal at `tick`; returns the loops newly
    /// taken and those lost (held before, refused now: another node has them).
    mutating func renewed(_ wanted: Set<FeedbackLoop.ID>, got: Set<FeedbackLoop.ID>, at tick: ContinuousClock.Instant)
        -> (taken: [FeedbackLoop.ID], lost: [FeedbackLoop.ID])
    {
        var taken: [FeedbackLoop.ID] = []
        var lost: [FeedbackLoop.ID] = []
        for loop in wanted.sorted() {
            if got.contains(loop) {
                if held.updateValue(tick, forKey: loop) == nil { taken.append(loop) }
            } else if held.removeValue(forKey: loop) != nil {
                handingOver.remove(loop)
                lost.append(loop)
            }
        }
        return (taken, lost)
    }

    /// The loops given up.
    mutating func released(_ loops: some Sequence<FeedbackLoop.ID>) {
        for loop in loops {
            held.removeValue(forKey: loop)
            handingOver.remove(loop)
        }
    }
}
