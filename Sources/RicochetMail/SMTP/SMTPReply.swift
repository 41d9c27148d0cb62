/// One SMTP reply: a code, an enhanced status (RFC 3463) and its lines.
public struct SMTPReply: Sendable, Equatable {
    public let code: Int
    public let enhanced: String?
    public let lines: [String]

    public init(_ code: Int, _ enhanced: String?, _ lines: String...) {
        self.code = code
        self.enhanced = enhanced
        self.lines = lines
    }

    public init(code: Int, enhanced: String?, lines: [String]) {
        self.code = code
        self.enhanced = enhanced
        self.lines = lines
    }

    /// The reply as sent: `250-first`, …, `250 last`, each ending CRLF.
    public var wire: String {
        let texts = lines.isEmpty ? [""] : lines
        return texts.enumerated().map { index, text in
            let separator = index == texts.count - 1 ? " " : "-"
            let status = enhanced.map { "\($0) " } ?? ""
            return "\(code)\(separator)\(status)\(text)\r\n"
        }.joined()
    }

    public var isPositive: Bool { code < 400 }
}
