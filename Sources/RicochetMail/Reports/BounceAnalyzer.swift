/// Reads a mail that came back and says what it reports: an abuse report
/// (RFC 5965), a delivery status notification (RFC 3464), an auto-reply
/// (RFC 3834 and the common out-of-office forms), a bounce in one of the
/// non-standard formats, or nothing of the kind. Pure: no I/O, never
/// throws; broken mail yields what can be read from it.
public enum BounceAnalyzer {
    /// How much of the explanation is read; the rest of a huge text says nothing new.
    static let maximumExplanationBytes = 64 * 1024
    static let maximumDiagnosticLength = 1000

    public static func analyze(_ bytes: [UInt8]) -> BounceReport {
        analyze(MIMEPart(bytes))
    }

    public static func analyze(_ message: MIMEPart) -> BounceReport {
        let outer = outerParts(message)
        let explanation = BounceText(explanationText(outer))
        let original =
            message.allParts.first { !$0.enclosed.isEmpty }?.enclosed.first?.header
            ?? explanation.inlineOriginal.map {
                MessageHeader.parse(MailText.splitHeader(Array($0.utf8).drop { $0 == 10 || $0 == 13 }).header)
            }
        if let report = FeedbackReport.report(message, parts: outer, explanation: explanation, original: original) {
            return report
        }
        if let report = deliveryStatus(message, parts: outer, explanation: explanation, original: original) {
            return report
        }
        if let report = SESNotification.report(explanation: explanation, original: original) {
            return report
        }
        if let report = AutoReply.report(message, explanation: explanation, original: original) {
            return report
        }
        if let report = NonStandardBounce.report(message, explanation: explanation, original: original) {
            return report
        }
        return BounceReport(kind: .notBounce, recipients: [], original: original)
    }

    /// The parts of the mail itself, not of a message it encloses.
    static func outerParts(_ message: MIMEPart) -> [MIMEPart] {
        var result: [MIMEPart] = []
        var stack = [message]
        while let part = stack.popLast() {
            result.append(part)
            stack += part.parts.reversed()
        }
        return result
    }

    /// The first plain-text part of the mail (or its HTML, tags removed).
    static func explanationText(_ parts: [MIMEPart]) -> String {
        let leaves = parts.filter { !$0.contentType.isMultipart && $0.enclosed.isEmpty }
        let chosen =
            leaves.first { $0.contentType.mimeType == "text/plain" }
            ?? leaves.first { $0.contentType.mimeType == "text/html" }
            ?? leaves.first { $0.contentType.type == "text" }
        guard let chosen else { return "" }
        var text = chosen.text
        if text.utf8.count > maximumExplanationBytes {
            text = String(decoding: text.utf8.prefix(maximumExplanationBytes), as: UTF8.self)
        }
        return chosen.contentType.subtype == "html" ? HTMLText.plain(text) : text
    }

    /// An RFC 3464 report: from its `message/delivery-status` part, or from
    /// DSN fields written into the text when the part is missing.
    static func deliveryStatus(
        _ message: MIMEPart, parts: [MIMEPart], explanation: BounceText, original: MessageHeader?
    ) -> BounceReport? {
        let statusPart = parts.first {
            ["message/delivery-status", "message/global-delivery-status"].contains($0.contentType.mimeType)
        }
        var fields: DeliveryStatusFields
        if let statusPart {
            fields = DeliveryStatusFields(statusPart.text)
        } else if let start = LowercasedText(explanation.text).range(of: "final-recipient:") {
            fields = DeliveryStatusFields(String(decoding: Array(explanation.text.utf8)[start...], as: UTF8.self))
        } else {
            return nil
        }
        var seen: Set<String> = []
        // A final recipient that is no address ("@relay"): the one the explanation names.
        var named: [String]?
        for index in fields.recipients.indices {
            guard let address = fields.recipients[index].address, MailAddress.first(in: address) != address else {
                continue
            }
            named = named ?? NonStandardBounce.named(in: explanation, header: message.header, original: original)
            if let replacement = named?.first { fields.recipients[index].finalRecipient = replacement }
        }
        let candidates = Set(fields.recipients.compactMap(\.address))
        let blocks = Dictionary(
            explanation.blocks(for: candidates).map { ($0.address, $0.text) }, uniquingKeysWith: { first, _ in first })
        let recipients = fields.recipients.compactMap { fields -> BounceReport.Recipient? in
            guard let address = fields.address, seen.insert(address).inserted
            else { return nil }
            let diagnostic = clip(fields.diagnostic ?? blocks[address] ?? "")
            return recipient(
                address: address, action: fields.action ?? "failed", status: fields.status, diagnostic: diagnostic,
                context: blocks[address] ?? "", remoteMTA: fields.remoteMTA)
        }
        guard !recipients.isEmpty else { return nil }
        return BounceReport(kind: .dsn, recipients: recipients, original: original)
    }

    /// A recipient's entry, with the status, reply code and reason read from
    /// what is known.
    static func recipient(
        address: String, action: String, status: String?, diagnostic: String, context: String = "",
        remoteMTA: String?
    ) -> BounceReport.Recipient {
        let found = StatusCodes.status(in: diagnostic)
        // A DSN's generic x.0.0 gives way to the specific code the receiver gave.
        var chosen = status ?? found
        if let status, status.hasSuffix(".0.0"), let found, found.first == status.first { chosen = found }
        let code = StatusCodes.replyCode(in: diagnostic)
        let reason = ReasonClassifier.classify(
            diagnostic: diagnostic, context: context, status: chosen, code: code, action: action)
        return BounceReport.Recipient(
            address: address, action: action, status: chosen, code: code, diagnostic: diagnostic, reason: reason,
            hard: reason.isHard(status: chosen, code: code), remoteMTA: remoteMTA)
    }

    static func clip(_ text: String) -> String {
        let collapsed = text.collapsingWhitespace()
        guard collapsed.count > maximumDiagnosticLength else { return collapsed }
        return String(collapsed.prefix(maximumDiagnosticLength))
    }
}
