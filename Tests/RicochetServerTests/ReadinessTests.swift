import Foundation
import HTTPTypes
import Synchronization
import Testing

@testable import RicochetServer

/// The states and the database check; the check against a real damaged
/// file runs in scripts/system-test, in a process of its own (a damaged
/// database holds SQLite's shared threads, which every test here uses).
@Suite("Readiness")
struct ReadinessTests {
    struct Failing: Error, CustomStringConvertible {
        var description: String { "disk I/O error" }
    }

    @Test("not ready while starting and while draining; the database's answer otherwise, asked at most once a second")
    func phases() async {
        let calls = Mutex(0)
        let readiness = Readiness(checkInterval: .seconds(60))
        await readiness.use { calls.withLock { $0 += 1 } }
        #expect(await readiness.reasonNotReady() == "starting")
        await readiness.started()
        #expect(await readiness.reasonNotReady() == nil)
        #expect(await readiness.reasonNotReady() == nil)
        #expect(calls.withLock { $0 } == 1, "the second ask reuses the first check")
        await readiness.draining()
        #expect(await readiness.reasonNotReady()?.contains("draining") == true)
    }

    @Test("a database that fails, or does not answer in time, makes the node not ready, with the reason")
    func database() async {
        let failing = Readiness(checkInterval: .zero)
        await failing.use { throw Failing() }
        await failing.started()
        #expect(await failing.reasonNotReady()?.contains("disk I/O error") == true)

        let hanging = Readiness(checkInterval: .zero, probeTimeout: .milliseconds(200))
        await hanging.use { try await Task.sleep(for: .seconds(30)) }
        await hanging.started()
        let started = ContinuousClock.now
        #expect(await hanging.reasonNotReady()?.contains("did not answer") == true)
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
