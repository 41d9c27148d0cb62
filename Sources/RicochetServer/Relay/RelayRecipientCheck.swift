import Foundation
import Logging
import RicochetCore
import RicochetMail
import RicochetStore

/// The relay's check of each RCPT against the account's suppression list:
/// a suppressed address is refused there (`550 5.7.1`, naming the reason
/// and since when), and the attempt becomes a `failure` event with state
/// `suppressed` — of a message registered for it, so that the event has
/// the `id` every message event has — recorded before the refusal goes out.
struct RelayRecipientCheck<S: RecordingStore>: Sendable {
    let store: S
    let recorder: EventRecorder<S>
    let bounceDomain: String
    let logger: Logger

    /// Nil takes the recipient; a reply refuses it.
    func check(_ recipient: String, account: Account.ID?) async -> SMTPReply? {
        guard let account, let address = SuppressedAddress.normalised(recipient) else { return nil }
        do {
            let now = Date()
            guard let entry = try await store.suppression(of: address, account: account, at: now) else { return nil }
            let reason =
                "\(recipient) is on the suppression list (\(entry.reason.rawValue) since \(RFC3339.string(entry.createdAt)))"
            let id = MessageID.generate()
            try await store.insert([
                Message(
                    id: id, accountID: account, recipient: recipient, tags: [], links: [],
                    createdAt: Date(milliseconds: now.milliseconds),
                    messageIDHeader: .assigned(to: id, domain: bounceDomain))
            ])
            try await recorder.record([
                .report(
                    MTAReport(
                        kind: .failure, message: id, state: MTAReport.suppressedState, action: "failed", code: 550,
                        extended: "5.7.1", description: reason, at: now))
            ])
            return SMTPReply(550, "5.7.1", reason)
        } catch {
            logger.error("checking a relay recipient failed", metadata: ["error": "\(error)"])
            return SMTPReply(451, "4.3.0", "Could not check the recipient; try again later")
        }
    }
}
