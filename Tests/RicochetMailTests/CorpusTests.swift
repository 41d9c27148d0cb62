import Foundation
import Testing

@testable import RicochetMail

/// The bounce corpus beside the repository (../shared/corpus/bounces): real
/// mail from many MTAs, and mutated copies of it.
@Suite("Bounce corpus")
struct CorpusTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/corpus/bounces/mail")

    static func files() throws -> [URL] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        return names.filter { $0.hasSuffix(".eml") }.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test("the corpus is there, and every file of it is read without trouble")
    func corpus() throws {
        let files = try Self.files()
        #expect(files.count >= 600, "the bounce corpus is expected at \(Self.directory.path)")
        var bounces = 0
        for file in files {
            let report = BounceAnalyzer.analyze(Array(try Data(contentsOf: file)))
            if report.kind != .notBounce { bounces += 1 }
        }
        #expect(bounces >= files.count - 40, "nearly every file of the corpus is a report of some kind")
    }

    /// A small deterministic generator, so a failure can be reproduced.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("mutated corpus files (bytes flipped, cut short, structure repeated) never crash or hang the parser")
    func mutations() throws {
        var random = SplitMix(state: 20_261_129)
        let clock = ContinuousClock()
        var slowest = Duration.zero
        var parsed = 0
        // Each file gets one of the three kinds of damage, in turn: the suite
        // runs in parallel with timing-sensitive tests, so this stays light.
        for (index, file) in try Self.files().enumerated() {
            let original = Array(try Data(contentsOf: file))
            guard !original.isEmpty else { continue }
            for round in [index % 3] {
                var bytes = original
                switch round {
                case 0:
                    for _ in 0..<max(1, bytes.count / 200) {
                        let index = Int.random(in: 0..<bytes.count, using: &random)
                        bytes[index] = UInt8.random(in: 0...255, using: &random)
                    }
                case 1:
                    bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
                default:
                    // A slice of the mail repeated: deep nesting, many boundaries, long lines.
                    let start = Int.random(in: 0..<bytes.count, using: &random)
                    let slice = bytes[start..<min(bytes.count, start + 400)]
                    for _ in 0..<50 { bytes.insert(contentsOf: slice, at: start) }
                }
                let started = clock.now
                _ = BounceAnalyzer.analyze(bytes)
                slowest = max(slowest, clock.now - started)
                parsed += 1
            }
        }
        #expect(parsed > 600)
        #expect(slowest < .seconds(5), "the slowest mutated file took \(slowest)")
    }
}
