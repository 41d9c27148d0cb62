import Foundation
import RicochetCore
import RicochetMail
import RicochetStore

/// What each way a copy's try can end writes in the queue, and the event it
/// makes: the relay's rules, apart from its sockets.
enum RelayOutcomes {
    /// A result that puts the copy back in the queue until `until`.
    static func wait(_ item: ClaimedRelayCopy, reply: SMTPReply, until: Date, now: Date) -> RelayResult {
        let next: RelayResult.Next = until >= item.copy.expiresAt ? .retry(at: item.copy.expiresAt) : .retry(at: until)
        return RelayResult(copyID: item.copy.id, lease: item.lease, reply: .init(reply), next: next)
    }

    /// The copy was not taken before its expiry: it fails.
    static func expired(_ item: ClaimedRelayCopy, now: Date) -> (RelayResult, MTAReport) {
        let last = item.copy.lastReply
        let reply = SMTPReply(
            last?.code ?? 451, "4.4.7",
            "not delivered before the relay's expiry; last answer: \(last.map { "\($0.code) \($0.text)" } ?? "none")")
        return (
            RelayResult(copyID: item.copy.id, lease: item.lease, reply: .init(reply), next: .failed),
            report(.failure, item, stage: "expired", reply: reply, note: nil, now: now)
        )
    }

    static func report(
        _ kind: MTAReport.Kind, _ item: ClaimedRelayCopy, stage: String, reply: SMTPReply, note: String?, now: Date
    ) -> MTAReport {
        MTAReport(
            kind: kind, message: item.copy.messageID, state: kind == .failure ? stage : "",
            action: kind == .failure ? "failed" : "relayed", code: reply.code, extended: reply.enhanced ?? "",
            description: [note, reply.text].compactMap { $0 }.joined(separator: ": "), at: now)
    }

    /// How long a copy the smarthost deferred waits: 1, 5, 15, 30 minutes,
    /// then an hour, each a little shortened at random.
    static func retryDelay(afterAttempts attempts: Int) -> TimeInterval {
        let delays: [TimeInterval] = [60, 300, 900, 1800, 3600]
        let delay = delays[min(max(attempts, 0), delays.count - 1)]
        return delay * Double.random(in: 0.9...1.0)
    }

    /// The result of one copy handed over, and the event it makes now (none
    /// when the smarthost will report delivery itself).
    static func result(of outcome: SmarthostSession.Outcome, _ item: ClaimedRelayCopy, now: Date)
        -> (RelayResult, MTAReport?)
    {
        switch outcome {
        case .accepted(let reply, let notifies):
            let result = RelayResult(copyID: item.copy.id, lease: item.lease, reply: .init(reply), next: .sent)
            guard !notifies else { return (result, nil) }
            let note = "accepted by the smarthost, which sends no delivery reports"
            return (result, report(.delivery, item, stage: "", reply: reply, note: note, now: now))
        case .refused(let stage, let reply):
            return (
                RelayResult(copyID: item.copy.id, lease: item.lease, reply: .init(reply), next: .failed),
                report(.failure, item, stage: stage.rawValue, reply: reply, note: nil, now: now)
            )
        case .deferred(_, let reply):
            let next = now.addingTimeInterval(retryDelay(afterAttempts: item.copy.attempts))
            return (wait(item, reply: reply, until: next, now: now), nil)
        }
    }
}

extension RelayReply {
    init(_ reply: SMTPReply) {
        self.init(code: reply.code, enhanced: reply.enhanced, text: reply.text)
    }
}
