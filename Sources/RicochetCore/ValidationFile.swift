/// The text file that proves a loop's owner controls its URL.
///
/// The user copies it to the directory of the receiving script or to the web
/// root; validation fetches it from there. Name and content are random per loop.
public struct ValidationFile: Sendable, Equatable {
    public let filename: String
    public let content: String

    public init(filename: String, content: String) {
        self.filename = filename
        self.content = content
    }

    public static func generate() -> ValidationFile {
        ValidationFile(
            filename: "ricochet-\(RandomToken.base32(length: 20)).txt",
            content: RandomToken.base62(length: 40)
        )
    }

    /// The file as served for download.
    public var body: String { content + "\n" }

    /// Where the file is looked for, in order: the directory of the loop's
    /// script, then the web root (`https://d.com/dir/script.php` →
    /// `https://d.com/dir/<file>`, `https://d.com/<file>`). One entry when both
    /// are the same place.
    public func candidateURLs(for url: LoopURL) -> [String] {
        let directory = url.path.lastIndex(of: "/").map { String(url.path[...$0]) } ?? "/"
        let inDirectory = url.origin + directory + filename
        let inRoot = url.origin + "/" + filename
        return inDirectory == inRoot ? [inRoot] : [inDirectory, inRoot]
    }

    /// Whether fetched text is this file: the content, surrounding whitespace ignored.
    public func matches(_ fetched: String) -> Bool {
        fetched.trimmingWhitespace() == content
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        let scalars = self[...]
        guard let start = scalars.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.isWhitespace })!
        return Substring(scalars[start...end])
    }
}
