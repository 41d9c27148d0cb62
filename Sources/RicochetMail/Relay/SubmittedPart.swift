/// A submitted message or one part of it, read strictly and kept as byte
/// ranges of the message, so that whatever is not changed goes out exactly
/// as it came. Multiparts hold their parts; every other part (`message/*`
/// included) is a leaf, passed on whole.
///
/// The message is CRLF-terminated lines, as the SMTP session hands it over.
public struct SubmittedPart: Sendable {
    public struct Field: Sendable {
        public let name: String
        /// Unfolded, without the leading space.
        public let value: String
        /// The field's lines, their CRLFs included.
        public let range: Range<Int>
    }

    /// Header, blank line and body.
    public let range: Range<Int>
    public let fields: [Field]
    /// Where the fields end: at the blank line, or at the body when there is none.
    public let fieldsEnd: Int
    public let bodyRange: Range<Int>
    public let contentType: ContentType
    /// Lowercased; `7bit` when not given.
    public let transferEncoding: String
    public let isAttachment: Bool
    public let parts: [SubmittedPart]
    /// A multipart's bytes around its parts: before the first (preamble and
    /// first delimiter line), between each two (the delimiter line with its
    /// line breaks), after the last (closing delimiter and epilogue).
    public let separators: [Range<Int>]

    public static let maximumDepth = 16
    public static let maximumParts = 1000

    /// The value of the first field named `name`, case-insensitively.
    public func field(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Reads the whole message; throws the first thing that is not valid.
    static func parse(_ bytes: [UInt8]) throws(MIMERefusal) -> SubmittedPart {
        var parser = Parser(bytes: bytes)
        return try parser.part(in: 0..<bytes.count, path: [], defaultType: .plainText)
    }

    /// The fields of a message's header, and where its body starts.
    static func header(of bytes: [UInt8]) throws(MIMERefusal) -> (fields: [Field], bodyStart: Int) {
        let (fields, _, bodyStart) = try Parser(bytes: bytes).header(in: 0..<bytes.count, name: "the message")
        return (fields, bodyStart)
    }

    /// "the message", or "part 2.1" (the first part of the second part).
    static func name(of path: [Int]) -> String {
        path.isEmpty ? "the message" : "part " + path.map(String.init).joined(separator: ".")
    }

    /// `attachment` of `attachment; filename="a.pdf"`, lowercased.
    static func dispositionType(_ value: String) -> String {
        String(value.prefix { $0 != ";" }).trimmingSpaces().lowercased()
    }

    private struct Parser {
        let bytes: [UInt8]
        var partsSeen = 0

        mutating func part(in range: Range<Int>, path: [Int], defaultType: ContentType)
            throws(MIMERefusal) -> SubmittedPart
        {
            let name = SubmittedPart.name(of: path)
            guard path.count <= SubmittedPart.maximumDepth else {
                throw MIMERefusal("\(name) is nested deeper than \(SubmittedPart.maximumDepth) multiparts")
            }
            let (fields, fieldsEnd, bodyStart) = try header(in: range, name: name)
            let value = { (field: String) in fields.first { $0.name.caseInsensitiveEquals(field) }?.value }
            let contentType = value("Content-Type").map { ContentType($0) } ?? defaultType
            let encoding = value("Content-Transfer-Encoding")?.trimmingSpaces().lowercased() ?? "7bit"
            let disposition = value("Content-Disposition").map(SubmittedPart.dispositionType) ?? ""
            let bodyRange = bodyStart..<range.upperBound
            var parts: [SubmittedPart] = []
            var separators: [Range<Int>] = []
            if contentType.isMultipart || contentType.type == "message" {
                guard ["7bit", "8bit", "binary"].contains(encoding) else {
                    throw MIMERefusal(
                        "\(name) (\(contentType.mimeType)) has Content-Transfer-Encoding \(encoding); "
                            + "only 7bit, 8bit or binary may enclose other parts")
                }
            }
            if contentType.isMultipart {
                guard let boundary = contentType.parameters["boundary"], (1...70).contains(boundary.utf8.count)
                else { throw MIMERefusal("\(name) (\(contentType.mimeType)) has no valid boundary parameter") }
                let pieces = try split(bodyRange, boundary: Array(boundary.utf8), name: name)
                separators = pieces.separators
                let childType =
                    contentType.subtype == "digest"
                    ? ContentType(type: "message", subtype: "rfc822", parameters: [:]) : .plainText
                for (index, child) in pieces.parts.enumerated() {
                    partsSeen += 1
                    guard partsSeen <= SubmittedPart.maximumParts else {
                        throw MIMERefusal("the message has more than \(SubmittedPart.maximumParts) parts")
                    }
                    parts.append(try part(in: child, path: path + [index + 1], defaultType: childType))
                }
            }
            return SubmittedPart(
                range: range, fields: fields, fieldsEnd: fieldsEnd, bodyRange: bodyRange, contentType: contentType,
                transferEncoding: encoding, isAttachment: disposition == "attachment", parts: parts,
                separators: separators)
        }

        /// The fields up to the blank line, where they end and where the body
        /// starts. A part with no blank line is all header, with an empty body.
        func header(in range: Range<Int>, name: String) throws(MIMERefusal) -> ([Field], Int, Int) {
            var fields: [Field] = []
            var fieldStart: Int?
            var lineStart = range.lowerBound
            var lineNumber = 0
            func close(at end: Int) {
                guard let start = fieldStart else { return }
                let line = bytes[start..<end]
                let colon = line.firstIndex(of: UInt8(ascii: ":"))!
                let fieldName = String(decoding: bytes[start..<colon], as: UTF8.self)
                var value: [UInt8] = []
                for byte in bytes[(colon + 1)..<end] where byte != 13 && byte != 10 { value.append(byte) }
                fields.append(
                    Field(
                        name: fieldName, value: MailText.string(value).trimmingSpaces(), range: start..<end))
                fieldStart = nil
            }
            while lineStart < range.upperBound {
                let lineEnd = lineEnd(from: lineStart, in: range)
                lineNumber += 1
                let content = bytes[lineStart..<contentEnd(lineStart, lineEnd)]
                if content.isEmpty {
                    close(at: lineStart)
                    return (fields, lineStart, lineEnd)
                }
                if content.first == UInt8(ascii: " ") || content.first == UInt8(ascii: "\t") {
                    guard fieldStart != nil else {
                        throw MIMERefusal("line \(lineNumber) of the header of \(name) continues no field")
                    }
                } else {
                    close(at: lineStart)
                    guard let colon = content.firstIndex(of: UInt8(ascii: ":")), colon > content.startIndex,
                        content[..<colon].allSatisfy({ $0 >= 33 && $0 <= 126 })
                    else {
                        throw MIMERefusal("line \(lineNumber) of the header of \(name) is not a header field")
                    }
                    fieldStart = lineStart
                }
                lineStart = lineEnd
            }
            close(at: range.upperBound)
            return (fields, range.upperBound, range.upperBound)
        }

        /// The index after the line that starts at `start` (after its LF), or the range's end.
        func lineEnd(from start: Int, in range: Range<Int>) -> Int {
            var index = start
            while index < range.upperBound {
                if bytes[index] == 10 { return index + 1 }
                index += 1
            }
            return range.upperBound
        }

        /// Where the line's content ends (before its CRLF or LF).
        func contentEnd(_ start: Int, _ end: Int) -> Int {
            var content = end
            if content > start, bytes[content - 1] == 10 { content -= 1 }
            if content > start, bytes[content - 1] == 13 { content -= 1 }
            return content
        }

        /// The parts of a multipart body and the bytes around them (RFC 2046
        /// §5.1.1): a delimiter is a line of `--boundary`, the closing one
        /// `--boundary--`, either followed by nothing but white space; the
        /// line break before a delimiter belongs to it.
        func split(_ body: Range<Int>, boundary: [UInt8], name: String) throws(MIMERefusal)
            -> (parts: [Range<Int>], separators: [Range<Int>])
        {
            let dash = Array("--".utf8) + boundary
            var parts: [Range<Int>] = []
            var separators: [Range<Int>] = []
            var separatorStart = body.lowerBound
            var partStart: Int?
            var lineStart = body.lowerBound
            while lineStart < body.upperBound {
                let lineEnd = lineEnd(from: lineStart, in: body)
                let content = bytes[lineStart..<contentEnd(lineStart, lineEnd)]
                if content.starts(with: dash) {
                    var rest = content.dropFirst(dash.count)
                    let closing = rest.starts(with: [45, 45])
                    if closing { rest = rest.dropFirst(2) }
                    if rest.allSatisfy({ $0 == 32 || $0 == 9 }) {
                        // The line break before the delimiter is the delimiter's.
                        var delimiterStart = lineStart
                        if let start = partStart {
                            if delimiterStart - 2 >= start, bytes[delimiterStart - 2] == 13,
                                bytes[delimiterStart - 1] == 10
                            {
                                delimiterStart -= 2
                            } else if delimiterStart - 1 >= start, bytes[delimiterStart - 1] == 10 {
                                delimiterStart -= 1
                            }
                            parts.append(start..<delimiterStart)
                            separatorStart = delimiterStart
                        }
                        if closing {
                            guard !parts.isEmpty else {
                                throw MIMERefusal("\(name) (multipart) has no parts before its closing boundary")
                            }
                            separators.append(separatorStart..<body.upperBound)
                            return (parts, separators)
                        }
                        separators.append(separatorStart..<lineEnd)
                        partStart = lineEnd
                    }
                }
                lineStart = lineEnd
            }
            throw MIMERefusal(
                partStart == nil
                    ? "\(name) (multipart) never uses its boundary" : "\(name) (multipart) has no closing boundary")
        }
    }
}
