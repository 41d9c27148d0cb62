import Foundation
import RicochetCore

/// What mail returned on a message's return path becomes: a `bounce` event
/// always, an `abuse` event for an abuse report, and a `failure` event
/// (state `bounce`) for each recipient a report says failed. Delayed-only
/// reports and auto-replies fail nobody.
public enum ReturnedMailEvents {
    public static func drafts(
        for report: BounceReport, message: MessageID, mailFrom: String, rcptTo: [String], data: [UInt8], at: Date
    ) -> [EventDraft] {
        let mime = MailText.string(data)
        var drafts: [EventDraft] = [
            .returned(
                ReturnedMail(kind: .bounce, message: message, mailFrom: mailFrom, rcptTo: rcptTo, mime: mime, at: at))
        ]
        switch report.kind {
        case .arf:
            drafts.append(
                .returned(
                    ReturnedMail(
                        kind: .abuse, message: message, mailFrom: mailFrom, rcptTo: rcptTo,
                        complainant: report.recipients.first?.address, mime: mime, at: at)))
        case .dsn, .bounce:
            for recipient in report.failed {
                drafts.append(
                    .report(
                        MTAReport(
                            kind: .failure, message: message, state: "bounce", action: recipient.action,
                            code: recipient.code ?? 0, extended: recipient.status ?? "",
                            description: recipient.diagnostic, at: at)))
            }
        case .autoreply, .notBounce:
            break
        }
        return drafts
    }
}
