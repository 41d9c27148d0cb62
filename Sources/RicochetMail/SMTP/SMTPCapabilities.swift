/// What a server said it offers in its EHLO reply (RFC 5321 §4.1.1.1):
/// each line after the first is a keyword and its parameters.
public struct SMTPCapabilities: Sendable, Equatable {
    /// Upper-cased keyword → its parameters as given.
    public let keywords: [String: [String]]

    public init(ehlo reply: SMTPReply) {
        var keywords: [String: [String]] = [:]
        for line in reply.lines.dropFirst() {
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let keyword = words.first else { continue }
            keywords[keyword.uppercased()] = Array(words.dropFirst())
        }
        self.keywords = keywords
    }

    /// After HELO: nothing is offered.
    public init() {
        keywords = [:]
    }

    public func offers(_ keyword: String) -> Bool { keywords[keyword.uppercased()] != nil }

    /// The AUTH mechanisms offered, upper-cased.
    public var authentication: Set<String> { Set((keywords["AUTH"] ?? []).map { $0.uppercased() }) }

    /// The largest message the server takes, when it says (0 means no limit).
    public var maximumSize: Int? {
        guard let text = keywords["SIZE"]?.first, let size = Int(text), size > 0 else { return nil }
        return size
    }
}
