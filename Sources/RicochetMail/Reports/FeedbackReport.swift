/// RFC 5965 abuse reports (ARF): a `message/feedback-report` part names the
/// feedback type and, usually, the recipient that complained.
enum FeedbackReport {
    static func report(
        _ message: MIMEPart, parts: [MIMEPart], explanation: BounceText, original: MessageHeader?
    ) -> BounceReport? {
        let part = parts.first { $0.contentType.mimeType == "message/feedback-report" }
        // Without the part, a complaint that encloses the message complained
        // about (Hotmail's JMRP and its kind) is one too.
        let subject = LowercasedText(message.header.decoded("Subject") ?? "")
        guard part != nil || (original != nil && subject.containsAny(["complaint about", "abuse report"])) else {
            return nil
        }
        let fields = MessageHeader.parse(Array((part?.text ?? "").utf8)[...])
        let type = fields["Feedback-Type"]?.lowercased() ?? "abuse"
        var addresses = fields.all("Original-Rcpt-To").compactMap(MailAddress.first(in:))
        if addresses.isEmpty { addresses = fields.all("Removal-Recipient").compactMap(MailAddress.first(in:)) }
        if addresses.isEmpty, let to = original?["To"] { addresses = MailAddress.all(in: to).map(\.address) }
        var seen: Set<String> = []
        let diagnostic = BounceAnalyzer.clip(explanation.text)
        let recipients = addresses.filter { seen.insert($0).inserted }.map {
            BounceReport.Recipient(
                address: $0, action: "", status: nil, code: nil, diagnostic: diagnostic, reason: .feedback, hard: false)
        }
        return BounceReport(kind: .arf, recipients: recipients, feedbackType: type, original: original)
    }
}
