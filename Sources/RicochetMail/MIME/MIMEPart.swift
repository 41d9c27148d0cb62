/// A message or one part of it, as a tree: multipart parts hold their
/// children, `message/rfc822` (and `text/rfc822-headers`) parts hold the
/// message they enclose. Parsing never fails and never recurses deeper than
/// ``maximumDepth``: broken structure degrades to text.
public struct MIMEPart: Sendable {
    public let header: MessageHeader
    public let contentType: ContentType
    /// The body as it was sent (still transfer-encoded).
    public let body: ArraySlice<UInt8>
    public let parts: [MIMEPart]
    /// The enclosed message of a `message/*` or `text/rfc822-headers` part.
    public let enclosed: [MIMEPart]

    public static let maximumDepth = 16
    /// Parts beyond this many in one multipart are not split out.
    public static let maximumParts = 200

    public init(_ bytes: [UInt8]) {
        self.init(parsing: bytes[...], depth: 0)
    }

    init(parsing bytes: ArraySlice<UInt8>, depth: Int, defaultType: ContentType = .plainText) {
        let (headerBytes, body) = MailText.splitHeader(bytes)
        let header = MessageHeader.parse(headerBytes)
        var contentType = header["Content-Type"].map { ContentType($0) } ?? defaultType
        self.header = header
        self.body = body
        guard depth < Self.maximumDepth else {
            self.contentType = contentType
            parts = []
            enclosed = []
            return
        }
        let pieces =
            contentType.isMultipart
            ? contentType.parameters["boundary"].map { Self.split(body, boundary: Array($0.utf8)) } ?? [] : []
        if contentType.isMultipart, pieces.isEmpty {
            // A multipart whose delimiters never come: its body is all there is, read as text.
            contentType = ContentType(type: "text", subtype: "plain", parameters: contentType.parameters)
        }
        self.contentType = contentType
        if contentType.isMultipart {
            let digest = contentType.subtype == "digest"
            parts = pieces.map {
                MIMEPart(
                    parsing: $0, depth: depth + 1,
                    defaultType: digest ? ContentType(type: "message", subtype: "rfc822", parameters: [:]) : .plainText)
            }
            enclosed = []
        } else if Self.enclosesMessage(contentType) {
            let decoded = TransferEncoding.decode(body, encoding: header["Content-Transfer-Encoding"])
            parts = []
            enclosed = [MIMEPart(parsing: decoded[...], depth: depth + 1)]
        } else {
            parts = []
            enclosed = []
        }
    }

    private static func enclosesMessage(_ type: ContentType) -> Bool {
        switch type.mimeType {
        case "message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers",
            "message/global-headers":
            true
        default: false
        }
    }

    /// The body with its transfer encoding undone.
    public var decodedBody: [UInt8] {
        TransferEncoding.decode(body, encoding: header["Content-Transfer-Encoding"])
    }

    /// The body as text, in its declared charset.
    public var text: String {
        Charset.decode(decodedBody, charset: contentType.parameters["charset"])
    }

    /// This part and every part below it, depth first (enclosed messages too).
    public var allParts: [MIMEPart] {
        var result: [MIMEPart] = []
        var stack = [self]
        while let part = stack.popLast() {
            result.append(part)
            stack += (part.parts + part.enclosed).reversed()
        }
        return result
    }

    /// The parts between `--boundary` lines; the preamble and epilogue are
    /// dropped. A missing closing line ends the last part at the end.
    static func split(_ body: ArraySlice<UInt8>, boundary: [UInt8]) -> [ArraySlice<UInt8>] {
        let delimiter = Array("--".utf8) + boundary
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var lineStart = body.startIndex
        var index = body.startIndex
        while index <= body.endIndex {
            if index == body.endIndex || body[index] == UInt8(ascii: "\n") {
                let line = body[lineStart..<index]
                if line.starts(with: delimiter) {
                    let rest = line.dropFirst(delimiter.count)
                    let closing = rest.starts(with: Array("--".utf8))
                    if let start = partStart {
                        // The line break before the delimiter belongs to it.
                        var end = lineStart
                        if end > start, body[end - 1] == UInt8(ascii: "\n") { end -= 1 }
                        if end > start, body[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                        parts.append(body[start..<max(start, end)])
                    }
                    if closing || parts.count >= maximumParts { return parts }
                    partStart = min(index + 1, body.endIndex)
                }
                lineStart = index + 1
            }
            index += 1
        }
        if let start = partStart, start < body.endIndex { parts.append(body[start..<body.endIndex]) }
        return parts
    }
}
