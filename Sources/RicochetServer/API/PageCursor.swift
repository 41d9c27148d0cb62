/// The `next` of a page, given back as `before` (or `after`) for the page
/// that follows: a positive decimal number of at most 18 digits, without
/// sign or leading zeros (`pattern: "^[1-9][0-9]{0,17}$"` in the document).
enum PageCursor {
    static func parse(_ text: Substring) -> Int64? {
        guard let first = text.utf8.first, (0x31...0x39).contains(first), text.utf8.count <= 18,
            text.utf8.allSatisfy({ (0x30...0x39).contains($0) })
        else { return nil }
        return Int64(text)
    }
}
