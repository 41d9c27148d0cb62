/// The human-readable side of a bounce: the explanation an MTA writes, cut
/// off where the copy of the original message begins, and split into one
/// block of text per failed address.
struct BounceText {
    /// The explanation, without the returned message.
    let text: String
    /// The returned message, when it follows the explanation inline.
    let inlineOriginal: String?

    /// Lines that start the copy of the original message in the formats
    /// MTAs write (lowercase, matched at the start of a trimmed line).
    static let originalMarkers = [
        "--- below this line is a copy of the message", "------ this is a copy of the message",
        "----- original message follows", "----- original message -----", "--- the header of the original message",
        "------- returned message --------", "----- transcript of session follows",
        "------ unsent message below", "--- original message follows", "----- message header follows",
        "-----original message-----", "--- undelivered message follows", "----- returned message headers",
        "original message headers:", "the original message was received", "----- the following addresses had",
        "this is a copy of the headers", "-------- original message", "---- original message",
        "original message follows", "----- unsent message follows", "------ original message headers",
        "the message header follows", "received: from", "return-path:",
    ]

    init(_ text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var cut: Int?
        for (number, line) in lines.enumerated() {
            let trimmed = LowercasedText(line.trimmingSpaces())
            if Self.originalMarkers.contains(where: { Self.starts(trimmed, with: $0) }) {
                // Markers that also open the explanation's own transcript keep it.
                if Self.starts(trimmed, with: "----- transcript of session follows")
                    || Self.starts(trimmed, with: "----- the following addresses had")
                    || Self.starts(trimmed, with: "the original message was received")
                {
                    continue
                }
                cut = number
                break
            }
        }
        if let cut {
            self.text = lines[..<cut].joined(separator: "\n")
            inlineOriginal = lines[(cut + 1)...].joined(separator: "\n")
        } else {
            self.text = text
            inlineOriginal = nil
        }
    }

    private static func starts(_ text: LowercasedText, with phrase: String) -> Bool {
        text.bytes.starts(with: phrase.utf8)
    }

    /// For each address in `candidates` found in the text (in order of first
    /// appearance), the text from the start of the line it is on up to the
    /// line of the next one: the words around an address belong to it, be
    /// they before it ("Unknown user: a@b") or after it ("a@b: 550 …").
    func blocks(for candidates: Set<String>) -> [(address: String, text: String)] {
        let bytes = Array(text.utf8)
        let found = MailAddress.all(in: text).filter { candidates.contains($0.address) }
        var seen: Set<String> = []
        var starts: [(String, Int)] = []
        for (address, offset) in found where seen.insert(address).inserted {
            var lineStart = offset
            while lineStart > 0, bytes[lineStart - 1] != UInt8(ascii: "\n") { lineStart -= 1 }
            starts.append((address, max(lineStart, starts.last?.1 ?? 0)))
        }
        return starts.enumerated().map { index, start in
            let end = index + 1 < starts.count ? starts[index + 1].1 : bytes.count
            return (start.0, String(decoding: bytes[start.1..<max(start.1, end)], as: UTF8.self))
        }
    }
}

extension String {
    /// Runs of whitespace become one space; trimmed.
    func collapsingWhitespace() -> String {
        split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
