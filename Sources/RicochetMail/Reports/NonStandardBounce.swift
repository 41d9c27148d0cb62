/// Bounces without a `message/delivery-status` part — qmail, Exim, older
/// Sendmail and Postfix, Exchange, webmail providers and the rest: the
/// failed addresses are found in the explanation (or `X-Failed-Recipients`)
/// and each one's diagnostic is the text that follows it.
enum NonStandardBounce {
    static let subjects = [
        "undeliver", "undelivered", "delivery status", "delivery failure", "failure notice", "returned mail",
        "mail delivery failed", "delivery has failed", "could not be delivered", "nondeliverable",
        "non-delivery", "non delivery", "returned to sender", "delivery notification", "mail system error",
        "delivery problem", "not delivered", "rejected", "mail failure", "delivery failed", "bounce",
        "error sending", "failed delivery", "unable to deliver", "returned message", "permanent error",
        "message status", "warning: could not send", "delayed mail", "delivery report", "mail error",
    ]

    static let daemons = [
        "mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "mail delivery", "mailer_daemon",
        "maildelivery", "noreply-dmarc", "bounce", "post_master",
    ]

    /// What bounces say in their text, whoever sends them.
    static let phrases = [
        "could not be delivered", "couldn't be delivered", "delivery has failed", "delivery failed",
        "error message below", "following addresses had", "following recipient", "unable to deliver",
        "was not delivered", "returned to sender", "invalid user address", "delivery to the following",
        "permanent error", "undeliverable", "failed permanently", "did not reach",
    ]

    static func fromDaemon(_ header: MessageHeader) -> Bool {
        LowercasedText(header["From"] ?? "").containsAny(daemons)
    }

    static func report(_ message: MIMEPart, explanation: BounceText, original: MessageHeader?) -> BounceReport? {
        let header = message.header
        let failedHeader = header.all("X-Failed-Recipients").flatMap { MailAddress.all(in: $0).map(\.address) }
        let subject = LowercasedText(header.decoded("Subject") ?? "")
        let saysSo =
            StatusCodes.replyCode(in: explanation.text) != nil
            && LowercasedText(explanation.text).containsAny(phrases)
        guard fromDaemon(header) || subject.containsAny(subjects) || !failedHeader.isEmpty || saysSo else {
            return nil
        }

        var candidates = Set(failedHeader)
        if candidates.isEmpty {
            candidates = Set(named(in: explanation, header: header, original: original))
        }
        var blocks = explanation.blocks(for: candidates)
        if blocks.isEmpty, !failedHeader.isEmpty {
            blocks = failedHeader.map { ($0, explanation.text) }
        }
        if blocks.isEmpty {
            // Then whoever the explanation names (a bounce to oneself names the sender).
            let named = Set(MailAddress.all(in: explanation.text).map(\.address).filter { !isDaemon($0) })
            blocks = explanation.blocks(for: named).prefix(1).map { $0 }
        }
        if blocks.isEmpty, let to = original?["To"] {
            let addresses = MailAddress.all(in: to).map(\.address).filter { !isDaemon($0) }
            blocks = addresses.prefix(1).map { ($0, explanation.text) }
        }
        guard !blocks.isEmpty else { return nil }
        let recipients = blocks.map { block in
            let diagnostic = BounceAnalyzer.clip(block.text.isEmpty ? explanation.text : block.text)
            return BounceAnalyzer.recipient(
                address: block.address, action: action(explanation.text), status: nil, diagnostic: diagnostic,
                remoteMTA: nil)
        }
        return BounceReport(kind: .bounce, recipients: recipients, original: original)
    }

    /// The addresses the explanation names, in order, that are neither the
    /// bounce's own parties, the original's sender nor a mailer daemon.
    static func named(in explanation: BounceText, header: MessageHeader, original: MessageHeader?) -> [String] {
        var excluded = Set(
            ["From", "To", "Reply-To", "Sender", "Return-Path", "Delivered-To", "X-Original-To"].flatMap {
                header.all($0).flatMap { MailAddress.all(in: $0).map(\.address) }
            })
        for name in ["From", "Sender", "Reply-To", "Return-Path"] {
            excluded.formUnion(original?.all(name).flatMap { MailAddress.all(in: $0).map(\.address) } ?? [])
        }
        return MailAddress.all(in: explanation.text).map(\.address).filter { !excluded.contains($0) && !isDaemon($0) }
    }

    static func isDaemon(_ address: String) -> Bool {
        let local = address.split(separator: "@").first.map { LowercasedText(String($0)) }
        return local?.containsAny(["mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"]) ?? false
    }

    /// Delayed when the explanation says it will keep trying.
    static func action(_ text: String) -> String {
        let text = LowercasedText(text)
        let delayed =
            text.containsAny([
                "will continue trying", "will keep trying", "still trying", "has been delayed", "delivery delayed",
                "will retry", "warning: message", "not yet been delivered", "temporarily deferred",
            ]) && !text.containsAny(["permanent", "given up", "giving up", "failed permanently"])
        return delayed ? "delayed" : "failed"
    }
}
