/// A link or remote image found in a message, in the order found.
public struct TrackedLink: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case click
        case image
    }

    public let kind: Kind
    /// Position among all tracked links and images of the message, from 0.
    public let index: Int
    /// The original URL, entities decoded.
    public let url: String
    /// From the link's `data-ricochet-tags="a,b"`.
    public let tags: [String]

    public init(kind: Kind, index: Int, url: String, tags: [String]) {
        self.kind = kind
        self.index = index
        self.url = url
        self.tags = tags
    }

    /// Whether a URL is one to track: http(s), and no template placeholder
    /// that the sender's template engine would fill in later (the token would
    /// freeze the placeholder).
    static func isTrackable(_ url: String) -> Bool {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else { return false }
        let bytes = Array(lowered.utf8)
        return !placeholders.contains { occurs($0, in: bytes) }
    }

    static let placeholders: [[UInt8]] = [
        "{{", "}}", "{%", "%}", "[[", "]]", "*|", "|*", "%%", "${", "<%", "%7b%7b", "%7d%7d",
    ]
    .map { Array($0.utf8) }

    /// A plain byte search: Foundation's `contains` on strings is a
    /// locale-aware search through NSString, many times slower on every link.
    private static func occurs(_ needle: [UInt8], in bytes: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= bytes.count else { return false }
        for start in 0...(bytes.count - needle.count) where bytes[start] == first {
            if bytes[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
