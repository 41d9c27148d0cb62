/// Which live node dispatches which loop: every loop to exactly one node,
/// each node getting as many as the others or one more, and as few loops
/// moving as that allows. Pure and deterministic, so nodes that read the same
/// nodes and owners from the database decide the same; where their views
/// differ for a moment, the loop leases in the database keep two nodes from
/// dispatching one loop.
public enum LoopAssignment {
    /// - Parameters:
    ///   - loops: the deliverable loops.
    ///   - nodes: the live nodes' instances.
    ///   - owners: who holds each loop now (holders that are not live are ignored).
    /// - Returns: the node each loop should be dispatched by; empty without nodes.
    public static func assign(loops: [String], nodes: [String], owners: [String: String]) -> [String: String] {
        let nodes = Array(Set(nodes)).sorted()
        guard !nodes.isEmpty else { return [:] }
        let loops = Array(Set(loops)).sorted()
        let live = Set(nodes)
        var kept: [String: [String]] = [:]
        for loop in loops {
            if let owner = owners[loop], live.contains(owner) { kept[owner, default: []].append(loop) }
        }
        // Each node may hold `base` loops; `extra` of them one more, those
        // that hold the most already, so that fewest loops move.
        let base = loops.count / nodes.count
        let extra = loops.count % nodes.count
        let byHeld = nodes.sorted { (kept[$0]?.count ?? 0, $1) > (kept[$1]?.count ?? 0, $0) }
        var quota: [String: Int] = [:]
        for (index, node) in byHeld.enumerated() { quota[node] = base + (index < extra ? 1 : 0) }
        var assignment: [String: String] = [:]
        for node in nodes {
            for loop in (kept[node] ?? []).prefix(quota[node] ?? 0) { assignment[loop] = node }
        }
        // The rest go one at a time to whichever node has most room left.
        var room = nodes.map { node in (node, (quota[node] ?? 0) - (kept[node]?.count ?? 0)) }
        for loop in loops where assignment[loop] == nil {
            guard let index = room.indices.max(by: { (room[$0].1, room[$1].0) < (room[$1].1, room[$0].0) })
            else { break }
            assignment[loop] = room[index].0
            room[index].1 -= 1
        }
        return assignment
    }
}
