/// Reads a server's replies line by line (RFC 5321 §4.2): `250-first`, …,
/// `250 last`. The enhanced status code (RFC 2034), when the last line
/// starts with one of the reply's class, is taken apart from the text.
public struct SMTPReplyReader: Sendable {
    /// A server that does not speak SMTP, or says too much.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// Lines one reply may have; a longer one is refused.
    public static let maximumLines = 200

    private var code: Int?
    private var lines: [String] = []

    public init() {}

    /// One line, without its line end: the reply, once its last line came.
    public mutating func read(_ line: some Collection<UInt8>) throws(Problem) -> SMTPReply? {
        let bytes = Array(line)
        guard bytes.count >= 3, bytes.prefix(3).allSatisfy({ (48...57).contains($0) }),
            let code = Int(String(decoding: bytes.prefix(3), as: UTF8.self)), (200...599).contains(code)
        else {
            throw Problem(description: "not an SMTP reply: \(Self.printable(bytes))")
        }
        let separator = bytes.count > 3 ? bytes[3] : UInt8(ascii: " ")
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw Problem(description: "not an SMTP reply: \(Self.printable(bytes))")
        }
        if let started = self.code, started != code {
            throw Problem(description: "reply lines with different codes (\(started), \(code))")
        }
        self.code = code
        lines.append(String(decoding: bytes.dropFirst(4), as: UTF8.self))
        guard lines.count <= Self.maximumLines else {
            throw Problem(description: "a reply of more than \(Self.maximumLines) lines")
        }
        guard separator == UInt8(ascii: " ") else { return nil }
        defer {
            self.code = nil
            lines = []
        }
        return Self.reply(code: code, lines: lines)
    }

    /// Takes the enhanced code out of every line that starts with it.
    static func reply(code: Int, lines: [String]) -> SMTPReply {
        guard let last = lines.last, let space = last.firstIndex(of: " ") ?? (last.isEmpty ? nil : last.endIndex),
            isEnhanced(last[..<space], code: code)
        else {
            return SMTPReply(code: code, enhanced: nil, lines: lines)
        }
        let enhanced = String(last[..<space])
        let texts = lines.map { line in
            line.hasPrefix(enhanced + " ")
                ? String(line.dropFirst(enhanced.count + 1))
                : line == enhanced ? "" : line
        }
        return SMTPReply(code: code, enhanced: enhanced, lines: texts)
    }

    /// `class.subject.detail` (RFC 3463), its class that of the reply.
    static func isEnhanced(_ text: Substring, code: Int) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "\(code / 100)" else { return false }
        return parts.dropFirst().allSatisfy { (1...3).contains($0.count) && $0.allSatisfy(\.isASCII) && Int($0) != nil }
    }

    static func printable(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(80).map { (32...126).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}

extension SMTPReply {
    /// The text of every line, one space between.
    public var text: String { lines.joined(separator: " ") }
}
