/// Rewrites the http(s) URLs of a plain-text part to tracked URLs, leaving
/// all other text as it is.
public enum TextInstrumenter {
    /// Characters that end a URL in running text even though URLs may hold them.
    static let trailingPunctuation: Set<Character> = [".", ",", ";", ":", "!", "?", "'", "\"", ")", "]", "}", "*"]

    public static func instrument(
        _ text: String,
        startingAt firstIndex: Int = 0,
        rewrite: (TrackedLink) -> String
    ) -> (text: String, links: [TrackedLink]) {
        var output = ""
        var links: [TrackedLink] = []
        var rest = Substring(text)
        while let start = nextURLStart(in: rest) {
            output += rest[..<start]
            var end =
                rest[start...].firstIndex { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "\"" } ?? rest.endIndex
            while end > start, trailingPunctuation.contains(rest[rest.index(before: end)]) {
                let last = rest[rest.index(before: end)]
                // Keep a closing parenthesis that closes one inside the URL (Wikipedia-style links).
                if last == ")",
                    rest[start..<end].filter({ $0 == "(" }).count >= rest[start..<end].filter({ $0 == ")" }).count
                {
                    break
                }
                end = rest.index(before: end)
            }
            let url = String(rest[start..<end])
            if TrackedLink.isTrackable(url), url.count > "https://".count {
                let link = TrackedLink(kind: .click, index: firstIndex + links.count, url: url, tags: [])
                links.append(link)
                output += rewrite(link)
            } else {
                output += url
            }
            rest = rest[end...]
        }
        return (output + rest, links)
    }

    /// The next `http://` or `https://` (any case) that starts a word.
    private static func nextURLStart(in text: Substring) -> Substring.Index? {
        var search = text.startIndex
        while let candidate = text[search...].firstIndex(where: { $0 == "h" || $0 == "H" }) {
            let tail = text[candidate...].prefix(8).lowercased()
            let startsWord = candidate == text.startIndex || !text[text.index(before: candidate)].isLetter
            if startsWord, tail.hasPrefix("http://") || tail.hasPrefix("https://") { return candidate }
            search = text.index(after: candidate)
        }
        return nil
    }
}
