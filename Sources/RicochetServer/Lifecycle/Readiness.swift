import Foundation
import Synchronization

/// Whether this node should be sent traffic, for `/readyz`: not while it is
/// starting, not while it drains after SIGTERM, and not while its database
/// cannot be read or written — checked by a real write and a real read, at
/// most once a second however often it is asked, and given up on after
/// `probeTimeout`.
public actor Readiness {
    public enum Phase: Sendable {
        case starting
        case ready
        case draining
    }

    public private(set) var phase = Phase.starting
    private var probe: (@Sendable () async throws -> Void)?
    private var lastCheck: (at: ContinuousClock.Instant, failure: String?)?
    private var checking: Task<String?, Never>?

    let checkInterval: Duration
    let probeTimeout: Duration

    public init(checkInterval: Duration = .seconds(1), probeTimeout: Duration = .seconds(2)) {
        self.checkInterval = checkInterval
        self.probeTimeout = probeTimeout
    }

    /// What checks the database: throws when it cannot be read or written.
    func use(probe: @escaping @Sendable () async throws -> Void) {
        self.probe = probe
    }

    func started() {
        if phase == .starting { phase = .ready }
    }

    public func draining() {
        phase = .draining
    }

    /// nil when ready; otherwise why not, in a few words.
    func reasonNotReady() async -> String? {
        switch phase {
        case .starting: return "starting"
        case .draining: return "draining after a shutdown request"
        case .ready: return await databaseFailure()
        }
    }

    private func databaseFailure() async -> String? {
        if let lastCheck, ContinuousClock.now - lastCheck.at < checkInterval { return lastCheck.failure }
        if let checking { return await checking.value }
        guard let probe else { return nil }
        let timeout = probeTimeout
        // The probe is not waited for past the timeout: a database that
        // hangs must not hang the answer.
        let task = Task<String?, Never> {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                let answered = Mutex(false)
                let answer: @Sendable (String?) -> Void = { failure in
                    let first = answered.withLock { done in
                        defer { done = true }
                        return !done
                    }
                    if first { continuation.resume(returning: failure) }
                }
                Task {
                    do {
                        try await probe()
                        answer(nil)
                    } catch {
                        answer("the database cannot be read or written: \(error)")
                    }
                }
                Task {
                    try? await Task.sleep(for: timeout)
                    answer("the database did not answer within \(timeout)")
                }
            }
        }
        checking = task
        let failure = await task.value
        checking = nil
        lastCheck = (ContinuousClock.now, failure)
        return failure
    }
}
