/// Finds SMTP reply codes (`550`) and enhanced status codes (`5.1.1`) in
/// free text, without mistaking IP addresses or dates for them.
enum StatusCodes {
    /// The first enhanced status code `c.s.d` (class 2, 4 or 5; subject and
    /// detail of up to three digits) standing alone.
    static func status(in text: String) -> String? {
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "2") || byte == UInt8(ascii: "4") || byte == UInt8(ascii: "5"),
                index == 0 || !isWordOrDot(bytes[index - 1]),
                index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ".")
            {
                var cursor = index + 2
                let subject = digits(bytes, &cursor)
                if (1...3).contains(subject), cursor < bytes.count, bytes[cursor] == UInt8(ascii: ".") {
                    cursor += 1
                    let detail = digits(bytes, &cursor)
                    let followedByMore =
                        cursor < bytes.count
                        && (isWord(bytes[cursor])
                            || (bytes[cursor] == UInt8(ascii: ".") && cursor + 1 < bytes.count
                                && isDigit(bytes[cursor + 1])))
                    if (1...3).contains(detail), !followedByMore,
                        byte != UInt8(ascii: "2") || afterSuccess(bytes, index)
                    {
                        return String(decoding: bytes[index..<cursor], as: UTF8.self)
                    }
                }
            }
            index += 1
        }
        return nil
    }

    /// The first three-digit reply code of class 4 or 5 that stands as a
    /// reply does: at the start of the text or a line, or after `said:`,
    /// `<<<`, `host … said`, `(`, and followed by a space, a dash or the end.
    static func replyCode(in text: String) -> Int? {
        let bytes = Array(text.utf8)
        var index = 0
        while index + 2 < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "4") || byte == UInt8(ascii: "5"), isDigit(bytes[index + 1]),
                isDigit(bytes[index + 2]), index == 0 || !isWordOrDot(bytes[index - 1]),
                index + 3 == bytes.count
                    || [UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "\n")]
                        .contains(bytes[index + 3])
                    || (bytes[index + 3] == UInt8(ascii: ".") && index + 4 == bytes.count)
            {
                let before = bytes[max(0, index - 12)..<index]
                let tail = String(decoding: before, as: UTF8.self).lowercased()
                let standsAsReply =
                    index == 0 || bytes[index - 1] == UInt8(ascii: "\n") || tail.hasSuffix(": ")
                    || tail.hasSuffix(":") || tail.hasSuffix("<<< ") || tail.hasSuffix("(") || tail.hasSuffix("; ")
                    || tail.hasSuffix("said ") || tail.hasSuffix("] ") || tail.hasSuffix("\" ")
                    || tail.hasSuffix("error ") || tail.hasSuffix("code ") || tail.hasSuffix("= ")
                    || tail.hasSuffix("reply ") || tail.hasSuffix("> ") || tail.hasSuffix("\t")
                if standsAsReply, let code = Int(String(decoding: bytes[index..<index + 3], as: UTF8.self)),
                    (421...559).contains(code)
                {
                    return code
                }
            }
            index += 1
        }
        return nil
    }

    /// A success code (2.x.y) counts only at the start or after a 2xx reply
    /// ("250 2.1.5"): elsewhere it is more likely a version ("Postfix 2.5.6").
    private static func afterSuccess(_ bytes: [UInt8], _ index: Int) -> Bool {
        var cursor = index
        while cursor > 0, bytes[cursor - 1] == UInt8(ascii: " ") { cursor -= 1 }
        if cursor == 0 { return true }
        guard cursor >= 3 else { return false }
        let reply = bytes[(cursor - 3)..<cursor]
        return reply.first == UInt8(ascii: "2") && reply.allSatisfy(isDigit)
            && (cursor == 3 || !isWordOrDot(bytes[cursor - 4]))
    }

    private static func digits(_ bytes: [UInt8], _ cursor: inout Int) -> Int {
        let start = cursor
        while cursor < bytes.count, isDigit(bytes[cursor]), cursor - start < 4 { cursor += 1 }
        return cursor - start
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
    private static func isWord(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20 >= 97 && byte | 0x20 <= 122) || byte == UInt8(ascii: "_")
    }
    private static func isWordOrDot(_ byte: UInt8) -> Bool { isWord(byte) || byte == UInt8(ascii: ".") }
}
