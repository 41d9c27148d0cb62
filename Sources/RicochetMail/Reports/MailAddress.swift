/// Finding mail addresses in free text.
enum MailAddress {
    /// Every address in `text` (`local@domain.tld`, with or without angle
    /// brackets), lowercased, with where each starts (byte offset).
    static func all(in text: String) -> [(address: String, offset: Int)] {
        let bytes = Array(text.utf8)
        var found: [(String, Int)] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "@") else {
                index += 1
                continue
            }
            var start = index
            if index > 1, bytes[index - 1] == UInt8(ascii: "\""),
                let open = bytes[max(0, index - 66)..<(index - 1)].lastIndex(of: UInt8(ascii: "\""))
            {
                // A quoted local part ("a..b"@example.com) keeps its quotes.
                start = open
            }
            while start > 0, start == index || bytes[start] != UInt8(ascii: "\""), isLocal(bytes[start - 1]) {
                start -= 1
            }
            // A local part does not start or end with a dot.
            while start < index, bytes[start] == UInt8(ascii: ".") { start += 1 }
            var end = index + 1
            while end < bytes.count, isDomain(bytes[end]) { end += 1 }
            while end > index + 1, bytes[end - 1] == UInt8(ascii: ".") || bytes[end - 1] == UInt8(ascii: "-") {
                end -= 1
            }
            let domain = bytes[(index + 1)..<end]
            if start < index, index - start <= 64, let dot = domain.lastIndex(of: UInt8(ascii: ".")),
                domain.endIndex - dot > 2, domain.first != UInt8(ascii: "."),
                domain[(dot + 1)...].allSatisfy({ isLetter($0) })
            {
                let local = bytes[start..<index]
                found.append(
                    (
                        String(decoding: local, as: UTF8.self) + "@"
                            + String(decoding: domain, as: UTF8.self).lowercased(), start
                    ))
            }
            index = max(end, index + 1)
        }
        return found.map { (address: $0.0.lowercasedAddress(), offset: $0.1) }
    }

    static func first(in text: String) -> String? {
        all(in: text).first?.address
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    private static func isDomain(_ byte: UInt8) -> Bool {
        isLetter(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "-")
    }

    private static func isLocal(_ byte: UInt8) -> Bool {
        isDomain(byte) || "_+=%!#$&'*/?^`{|}~".utf8.contains(byte)
    }
}

extension String {
    /// Addresses compare without regard to case here, as nearly every mail
    /// system treats them.
    func lowercasedAddress() -> String { lowercased() }
}
