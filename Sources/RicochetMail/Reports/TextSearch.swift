/// Case-insensitive search for many short ASCII phrases in one text, on
/// bytes: the text is lowercased once.
struct LowercasedText {
    let bytes: [UInt8]

    init(_ text: String) {
        bytes = text.utf8.map(MailText.lower)
    }

    /// Whether `phrase` (given in lowercase) occurs.
    func contains(_ phrase: String) -> Bool {
        phrase.isEmpty || range(of: phrase) != nil
    }

    /// The byte offset where `phrase` (lowercase) first occurs.
    func range(of phrase: String) -> Int? {
        let needle = Array(phrase.utf8)
        guard !needle.isEmpty, needle.count <= bytes.count else { return nil }
        for index in 0...(bytes.count - needle.count) where bytes[index] == needle[0] {
            if bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
        }
        return nil
    }

    func containsAny(_ phrases: [String]) -> Bool {
        phrases.contains { contains($0) }
    }
}
