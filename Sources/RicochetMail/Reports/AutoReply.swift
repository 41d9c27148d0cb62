/// Vacation and out-of-office answers (RFC 3834 `Auto-Submitted`, and the
/// headers and subjects of the common auto-responders). The recipient is
/// whoever answered.
enum AutoReply {
    static let subjects = [
        "out of office", "out of the office", "automatic reply", "auto reply", "autoreply", "auto-reply",
        "auto:", "vacation", "away from", "abwesenheit", "absence", "automatische antwort", "respuesta automática",
        "réponse automatique", "on leave", "i am away", "autoresponse",
    ]

    static func report(_ message: MIMEPart, explanation: BounceText, original: MessageHeader?) -> BounceReport? {
        let header = message.header
        let subject = LowercasedText(header.decoded("Subject") ?? "")
        let autoSubmitted = header["Auto-Submitted"]?.lowercased().hasPrefix("auto-replied") == true
        let flagged =
            header["X-Autoreply"] != nil || header["X-Autorespond"] != nil || header["X-Autoresponder"] != nil
            || header["Precedence"]?.lowercased() == "auto_reply" || header["X-Auto-Response-Suppress"] != nil
        guard autoSubmitted || flagged || subject.containsAny(subjects) else { return nil }
        guard !NonStandardBounce.fromDaemon(header), !subject.containsAny(NonStandardBounce.subjects) else {
            return nil
        }
        guard subject.containsAny(subjects) || autoSubmitted || flagged else { return nil }
        let from = header["From"].flatMap(MailAddress.first(in:)) ?? header["Reply-To"].flatMap(MailAddress.first(in:))
        guard let from else { return nil }
        let recipient = BounceReport.Recipient(
            address: from, action: "", status: nil, code: nil,
            diagnostic: BounceAnalyzer.clip(explanation.text), reason: .vacation, hard: false)
        return BounceReport(kind: .autoreply, recipients: [recipient], original: original)
    }
}
