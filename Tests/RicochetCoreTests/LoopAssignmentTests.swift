import Testing

@testable import RicochetCore

@Suite("Loop assignment")
struct LoopAssignmentTests {
    func counts(_ assignment: [String: String]) -> [String: Int] {
        assignment.values.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    @Test("every loop to exactly one live node, spread to within one")
    func even() {
        let loops = (0..<10).map { "loop_\($0)" }
        let assignment = LoopAssignment.assign(loops: loops, nodes: ["a", "b", "c"], owners: [:])
        #expect(Set(assignment.keys) == Set(loops))
        #expect(counts(assignment).values.sorted() == [3, 3, 4])
        #expect(LoopAssignment.assign(loops: loops, nodes: [], owners: [:]).isEmpty)
        #expect(LoopAssignment.assign(loops: [], nodes: ["a"], owners: [:]).isEmpty)
    }

    @Test("the same inputs give the same answer, whatever their order")
    func deterministic() {
        let loops = (0..<7).map { "loop_\($0)" }
        let owners = ["loop_1": "b", "loop_2": "b", "loop_3": "gone"]
        #expect(
            LoopAssignment.assign(loops: loops, nodes: ["a", "b", "c"], owners: owners)
                == LoopAssignment.assign(loops: loops.reversed(), nodes: ["c", "a", "b"], owners: owners))
    }

    @Test("a node that joins takes its share and no more moves; a node that leaves hands its loops to the others")
    func stable() {
        let loops = (0..<12).map { "loop_\($0)" }
        let two = LoopAssignment.assign(loops: loops, nodes: ["a", "b"], owners: [:])
        #expect(counts(two) == ["a": 6, "b": 6])
        let three = LoopAssignment.assign(loops: loops, nodes: ["a", "b", "c"], owners: two)
        #expect(counts(three) == ["a": 4, "b": 4, "c": 4])
        let moved = loops.filter { two[$0] != three[$0] }
        #expect(moved.count == 4, "only the newcomer's share moves")
        #expect(moved.allSatisfy { three[$0] == "c" })
        let afterB = LoopAssignment.assign(loops: loops, nodes: ["a", "c"], owners: three)
        #expect(counts(afterB) == ["a": 6, "c": 6])
        #expect(loops.filter { three[$0] != "b" }.allSatisfy { afterB[$0] == three[$0] }, "the survivors keep theirs")
    }

    @Test("an owner above its share gives up only the excess")
    func excess() {
        let loops = (0..<4).map { "loop_\($0)" }
        let owners = Dictionary(uniqueKeysWithValues: loops.map { ($0, "a") })
        let assignment = LoopAssignment.assign(loops: loops, nodes: ["a", "b"], owners: owners)
        #expect(counts(assignment) == ["a": 2, "b": 2])
        #expect(assignment["loop_0"] == "a" && assignment["loop_1"] == "a", "it keeps the first in loop order")
    }
}
