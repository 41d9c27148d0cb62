import Foundation
import RicochetCore
import RicochetStore

/// What people do with copies waiting in the relay's queue: try one now, or
/// drop it, which fails it unsent and tells the loops with a `failure`
/// event (state `dropped`), as any other end of a copy does.
struct RelayQueueActions<S: RelayQueueStore & RecordingStore>: Sendable {
    let store: S
    let recorder: EventRecorder<S>
    /// Wakes this node's relay workers (nothing when the relay is off here;
    /// the workers of other nodes look again within seconds).
    let wake: @Sendable () -> Void
    var metrics = RelayMetrics.none

    /// False when the account has no such copy waiting.
    func retry(_ id: String, account: Account.ID) async throws -> Bool {
        guard try await store.retryRelayCopy(id, of: account, now: Date()) else { return false }
        wake()
        return true
    }

    /// False when the account has no such copy waiting.
    func drop(_ id: String, account: Account.ID) async throws -> Bool {
        let now = Date()
        let reply = RelayReply(code: 554, enhanced: "5.0.0", text: "dropped from the relay's queue unsent")
        guard let copy = try await store.dropRelayCopy(id, of: account, reply: reply, now: now) else { return false }
        let last = copy.lastReply.map { "; last answer: \($0.code) \($0.text)" } ?? ""
        let report = MTAReport(
            kind: .failure, message: copy.messageID, state: "dropped", action: "failed", code: reply.code,
            extended: reply.enhanced ?? "", description: reply.text + last, at: now)
        metrics.droppedOne()
        try await recorder.record([.report(report)])
        return true
    }
}
