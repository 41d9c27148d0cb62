/// The `Message-ID` a message is sent with (RFC 5322 `msg-id`), kept
/// without its angle brackets: a returned copy that carries it finds the
/// message even when the mail came back without a return-path token.
public struct MessageIDHeader: Sendable, Hashable, CustomStringConvertible {
    public static let maximumLength = 250

    /// `left@right`, without `<` and `>`.
    public let value: String

    /// Reads a header value or a bare id: the first `<…>` when there is one
    /// (a header may carry comments or folding around it), else the text
    /// trimmed. Nil unless it is `left@right` of printable ASCII without
    /// spaces or brackets, at most ``maximumLength`` characters.
    public init?(_ text: some StringProtocol) {
        var candidate = Substring(text)
        if let open = candidate.firstIndex(of: "<") {
            guard let close = candidate[open...].firstIndex(of: ">") else { return nil }
            candidate = candidate[candidate.index(after: open)..<close]
        }
        candidate = candidate.drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        while let last = candidate.last, last == " " || last == "\t" || last == "\r" || last == "\n" {
            candidate = candidate.dropLast()
        }
        let parts = candidate.split(separator: "@", omittingEmptySubsequences: false)
        guard candidate.utf8.count <= Self.maximumLength, parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            candidate.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "<" && $0 != ">" })
        else { return nil }
        value = String(candidate)
    }

    /// The id this installation gives a message whose sender names none.
    public static func assigned(to message: MessageID, domain: String) -> MessageIDHeader {
        MessageIDHeader("\(message)@\(domain)")!
    }

    /// As the header carries it: `<left@right>`.
    public var description: String { "<\(value)>" }
}
