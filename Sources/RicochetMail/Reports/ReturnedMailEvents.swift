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
        let succeeded =
            report.kind == .dsn
            ? report.recipients.filter { ["delivered", "relayed", "expanded"].contains($0.action) } : []
        var drafts: [EventDraft] = []
        // A report of success alone is not a bounce: nothing came back.
        if succeeded.count < report.recipients.count || report.recipients.isEmpty {
            drafts.append(
                .returned(
                    ReturnedMail(
                        kind: .bounce, message: message, mailFrom: mailFrom, rcptTo: rcptTo, mime: mime, at: at)
                ))
        }
        switch report.kind {
        case .arf:
            drafts.append(
                .returned(
                    ReturnedMail(
                        kind: .abuse, message: message, mailFrom: mailFrom, rcptTo: rcptTo,
                        complainant: report.recipients.first?.address, mime: mime, at: at)))
        case .dsn, .bounce:
            for recipient in succeeded {
                let success = recipient.status?.hasPrefix("2.") ?? true
                drafts.append(
                    .report(
                        MTAReport(
                            kind: .delivery, message: message, state: "", action: recipient.action,
                            code: recipient.code ?? (success ? 250 : 0), extended: recipient.status ?? "",
                            description: recipient.diagnostic, at: at)))
            }
            for recipient in report.failed {
                drafts.append(
                    .report(
                        MTAReport(
                            kind: .failure, message: message, state: "bounce", action: recipient.action,
                            code: recipient.code ?? 0, extended: recipient.status ?? "",
                            description: recipient.diagnostic, at: at, permanent: recipient.hard)))
            }
        case .autoreply, .notBounce:
            break
        }
        return drafts
    }
}
