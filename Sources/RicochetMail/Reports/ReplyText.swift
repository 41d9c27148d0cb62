/// The text of an SMTP reply as one sentence. A multi-line reply quoted in
/// a bounce repeats its code on every line — "550-5.7.1 Messages with
/// multiple 550-5.7.1 addresses in From: header" — which splits the
/// phrases the reason is read from; the repetitions are removed and the
/// first code kept.
enum ReplyText {
    static func joined(_ text: String) -> String {
        guard text.contains(continuation) else { return text }
        var seen = false
        return text.replacing(code) { match in
            defer { seen = true }
            return seen ? "" : text[match.range]
        }
    }

    /// `550-` as a multi-line reply's lines begin.
    private nonisolated(unsafe) static let continuation = /\b[245][0-9][0-9]-/
    /// A reply code at a line's start: `550-`, `550-5.7.1 `, or `550 5.7.1 `.
    private nonisolated(unsafe) static let code =
        /\b[245][0-9][0-9](?:-(?:[245]\.[0-9]{1,3}\.[0-9]{1,3}\s*)?| [245]\.[0-9]{1,3}\.[0-9]{1,3}\s*)/
}
