import RicochetCore

/// Amazon SES notifications mailed through SNS: the report is a JSON
/// object in the body (`notificationType` Bounce, Complaint or Delivery)
/// instead of a MIME report.
enum SESNotification {
    static func report(explanation: BounceText, original: MessageHeader?) -> BounceReport? {
        guard explanation.text.contains("notificationType") else { return nil }
        // Long lines arrive broken as "!", a line end and a space; undo that.
        let text = explanation.text.replacing("!\n ", with: "").replacing("\n", with: "")
        guard let start = text.firstIndex(of: "{"),
            let end = text.lastIndex(of: "}"), start < end,
            case .object(var root)? = try? JSONPayloadDecoder.decode(String(text[start...end]))
        else { return nil }
        // The SNS envelope carries the notification as a JSON string.
        if root["notificationType"] == nil, let inner = root["Message"]?.text,
            case .object(let notification)? = try? JSONPayloadDecoder.decode(inner)
        {
            root = notification
        }
        switch root["notificationType"]?.text?.lowercased() {
        case "bounce":
            let entries = root["bounce"]?.field("bouncedRecipients")?.items ?? []
            let recipients = entries.compactMap { entry -> BounceReport.Recipient? in
                guard let address = entry.field("emailAddress")?.text.flatMap(MailAddress.first(in:)) else {
                    return nil
                }
                let diagnostic = entry.field("diagnosticCode")?.text.map(DeliveryStatusFields.typed) ?? ""
                return BounceAnalyzer.recipient(
                    address: address, action: entry.field("action")?.text ?? "failed",
                    status: entry.field("status")?.text.flatMap(StatusCodes.status(in:)),
                    diagnostic: BounceAnalyzer.clip(diagnostic), remoteMTA: nil)
            }
            return recipients.isEmpty ? nil : BounceReport(kind: .bounce, recipients: recipients, original: original)
        case "complaint":
            let complaint = root["complaint"]
            let addresses = (complaint?.field("complainedRecipients")?.items ?? []).compactMap {
                $0.field("emailAddress")?.text.flatMap(MailAddress.first(in:))
            }
            let type = complaint?.field("complaintFeedbackType")?.text ?? "abuse"
            let recipients = addresses.map {
                BounceReport.Recipient(
                    address: $0, action: "", status: nil, code: nil, diagnostic: "", reason: .feedback, hard: false)
            }
            return recipients.isEmpty
                ? nil : BounceReport(kind: .arf, recipients: recipients, feedbackType: type, original: original)
        case "delivery":
            let delivery = root["delivery"]
            let diagnostic = delivery?.field("smtpResponse")?.text ?? ""
            let recipients = (delivery?.field("recipients")?.items ?? []).compactMap {
                $0.text.flatMap(MailAddress.first(in:))
            }.map {
                BounceAnalyzer.recipient(
                    address: $0, action: "delivered", status: StatusCodes.status(in: diagnostic),
                    diagnostic: diagnostic, remoteMTA: delivery?.field("remoteMtaIp")?.text)
            }
            return recipients.isEmpty ? nil : BounceReport(kind: .dsn, recipients: recipients, original: original)
        default:
            return nil
        }
    }
}

extension PayloadValue {
    fileprivate var items: [PayloadValue]? {
        if case .list(let items) = self { return items }
        return nil
    }
}
