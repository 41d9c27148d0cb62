/// Case-insensitive search for many short ASCII phrases in one text, on
/// bytes: the text is lowercased once.
struct LowercasedText {
    let bytes: [UInt8]

    init(_ text: String) {
        bytes = text.utf8.map(MailText.lower)
    }

    /// Whether `phrase` (given in lowercase) occurs.
    func contains(_ phrase: String) -> Bool {
        let needle = Array(phrase.utf8)
        guard let first = needle.first, needle.count <= bytes.count else { return needle.isEmpty }
        var index = 0
        let last = bytes.count - needle.count
        while index <= last {
            if bytes[index] == first {
                var matched = 1
                while matched < needle.count, bytes[index + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return true }
            }
            index += 1
        }
        return false
    }

    func containsAny(_ phrases: [String]) -> Bool {
        phrases.contains { contains($0) }
    }
}
