/// The SMTP command a receiving server answered with the failure, when the
/// bounce says (`in reply to RCPT TO command`, `after end of data`, a
/// `>>> MAIL FROM` transcript line): a rejection after DATA means the
/// recipient was accepted and the message refused; after MAIL FROM, the
/// sender was refused; after HELO, the sending host.
enum SMTPCommand: String {
    case helo = "HELO"
    case mail = "MAIL"
    case rcpt = "RCPT"
    case data = "DATA"

    private static let phrases: [(SMTPCommand, [String])] = [
        (
            .data,
            [
                "end of data", "after data", ">>> data", "command data", "data command", "during data",
                "reply to data", "after end of", "after sending message",
            ]
        ),
        (
            .rcpt,
            [
                "rcpt to command", "after rcpt", ">>> rcpt", "rcpt to:", "command rcpt", "reply to rcpt",
                "rcpt command",
            ]
        ),
        (.mail, ["mail from command", "after mail from", ">>> mail from", "command mail", "reply to mail from"]),
        (.helo, ["ehlo command", "helo command", "after ehlo", "after helo", ">>> ehlo", ">>> helo", "reply to ehlo"]),
    ]

    /// The command mentioned first: in a transcript, the one that failed
    /// comes before the ones sent after it (`DATA` after a refused `RCPT`).
    static func named(in text: LowercasedText) -> SMTPCommand? {
        var best: (SMTPCommand, Int)?
        for (command, list) in phrases {
            for phrase in list {
                if let offset = text.range(of: phrase), offset < (best?.1 ?? Int.max) { best = (command, offset) }
            }
        }
        return best?.0
    }
}
