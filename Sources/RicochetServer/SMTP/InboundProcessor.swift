import Foundation
import Logging
import RicochetCore
import RicochetMail
import RicochetStore
import ServiceLifecycle

/// Makes events of the mail the SMTP receiver stored: parses each, finds
/// the message it is about, and records its `bounce`, `failure` and `abuse`
/// events through the one recording step (so loops get them); a mail to a
/// `List-Unsubscribe` address is that message's `unsubscribe` event. Woken
/// by every stored mail; at start it takes up whatever an earlier run left.
///
/// Each batch is claimed first (``InboundMailStore/claimInbound(limit:holder:until:now:)``),
/// so with several nodes on one database each mail is made into events by
/// one of them, whichever received it. A crash between recording the events
/// and marking the mail done records them again once the claim expires
/// (at-least-once, like every delivery). Mail made into events is removed
/// after `retention` (the `bounce` event keeps its text), by one node an hour.
final class InboundProcessor<S: Store>: Service, Sendable {
    private let store: S
    private let recorder: EventRecorder<S>
    private let codec: ReturnPathCodec
    private let unsubscribe: UnsubscribeLinks
    /// `--ip-truncation`, for the sending server's address of an unsubscribe by mail.
    private let ipTruncation: IPTruncation
    private let logger: Logger
    private let metrics: InboundMetrics
    private let retention: TimeInterval
    /// This node process, which claims the mail it works on.
    private let holder: String
    private let wake: AsyncStream<Void>
    private let waker: AsyncStream<Void>.Continuation

    static var batch: Int { 100 }
    static var pruneInterval: Duration { .seconds(3600) }
    /// How long a claim lasts: far longer than a batch takes.
    static var claim: TimeInterval { 300 }

    init(
        store: S, recorder: EventRecorder<S>, codec: ReturnPathCodec, unsubscribe: UnsubscribeLinks,
        ipTruncation: IPTruncation = .none, retention: TimeInterval, holder: String,
        logger: Logger, metrics: InboundMetrics = .none
    ) {
        self.holder = holder
        self.metrics = metrics
        self.store = store
        self.recorder = recorder
        self.codec = codec
        self.unsubscribe = unsubscribe
        self.ipTruncation = ipTruncation
        self.retention = retention
        self.logger = logger
        (wake, waker) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// A mail was stored: process it soon.
    func stored() {
        waker.yield()
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.pruneRegularly() }
                waker.yield()
                for await _ in wake {
                    await processAll()
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.waker.finish()
        }
    }

    private func pruneRegularly() async {
        while !Task.isCancelled {
            do {
                if try await store.runsJob("prune-inbound", holder: holder, every: 3600, now: Date()) {
                    let removed = try await store.pruneInbound(processedBefore: Date().addingTimeInterval(-retention))
                    if removed > 0 { logger.info("old returned mail removed", metadata: ["count": "\(removed)"]) }
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("removing old returned mail failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: Self.pruneInterval)
        }
    }

    /// The first reference that names a message of ours: a return-path
    /// token always does; a header only when the message it names is stored.
    private func resolve(_ references: [BounceMatch.Reference]) async throws -> MessageID? {
        for reference in references {
            switch reference {
            case .returnPath(let id):
                return id
            case .header(let id):
                if try await !store.messages([id]).isEmpty { return id }
            case .messageID(let header):
                if let message = try await store.message(withHeader: header) { return message.id }
            }
        }
        return nil
    }

    /// The address of a peer written `ip:port` (the port after the last colon, as IPv6 addresses hold colons).
    static func host(of peer: String?) -> String {
        guard let peer, let colon = peer.lastIndex(of: ":") else { return peer ?? "" }
        return String(peer[..<colon])
    }

    private func processAll() async {
        var backoff = Backoff()
        while !Task.isCancelled {
            do {
                let now = Date()
                let mails = try await store.claimInbound(
                    limit: Self.batch, holder: holder, until: now.addingTimeInterval(Self.claim), now: now)
                guard !mails.isEmpty else { return }
                var drafts: [EventDraft] = []
                var kinds: [(BounceReport.Kind, matched: Bool)] = []
                for mail in mails {
                    if let message = mail.rcptTo.lazy.compactMap(unsubscribe.message(fromAddress:)).first {
                        drafts.append(
                            .unsubscribe(
                                Unsubscription(
                                    message: message, method: .mail, ip: ipTruncation.apply(Self.host(of: mail.peer)),
                                    userAgent: "", at: mail.receivedAt)))
                        continue
                    }
                    let report = BounceAnalyzer.analyze(mail.data)
                    let references = BounceMatch.references(rcptTo: mail.rcptTo, report: report, codec: codec)
                    guard let message = try await resolve(references) else {
                        logger.notice("returned mail about no message of ours", metadata: ["mail": "\(mail.id)"])
                        kinds.append((report.kind, matched: false))
                        continue
                    }
                    kinds.append((report.kind, matched: true))
                    drafts += ReturnedMailEvents.drafts(
                        for: report, message: message, mailFrom: mail.mailFrom, rcptTo: mail.rcptTo,
                        data: mail.data, at: mail.receivedAt)
                }
                if !drafts.isEmpty { _ = try await recorder.record(drafts) }
                try await store.markInboundProcessed(mails.map(\.id), now: Date())
                for (kind, matched) in kinds { metrics.processed(kind, matched: matched) }
                backoff.succeeded()
                if mails.count < Self.batch { return }
            } catch {
                if Task.isCancelled || error is CancellationError { return }
                let wait = backoff.failed()
                logger.error(
                    "making events of returned mail failed; trying again",
                    metadata: ["error": "\(error)", "in": "\(wait)"])
                try? await Task.sleep(for: wait)
            }
        }
    }
}
