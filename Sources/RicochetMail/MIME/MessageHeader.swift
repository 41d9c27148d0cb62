/// The header of a message or a MIME part: its fields in order, unfolded,
/// names compared without regard to case. Tolerant of what real mail does:
/// bare LF line ends, lines without a colon (skipped), 8-bit bytes (read as
/// UTF-8 where valid, else Latin-1).
public struct MessageHeader: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public let name: String
        /// The value as written, continuation lines joined, without the
        /// leading space.
        public let value: String
    }

    public let fields: [Field]

    public init(fields: [Field]) {
        self.fields = fields
    }

    /// The first value of `name`, trimmed.
    public subscript(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveEquals(name) }.map { $0.value.trimmingSpaces() }
    }

    /// Every value of `name`, in order.
    public func all(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveEquals(name) }.map { $0.value.trimmingSpaces() }
    }

    /// The first value of `name` with RFC 2047 encoded words decoded.
    public func decoded(_ name: String) -> String? {
        self[name].map(EncodedWords.decode)
    }

    /// Parses header lines (the bytes before the blank line).
    public static func parse(_ bytes: ArraySlice<UInt8>) -> MessageHeader {
        var fields: [Field] = []
        var name: String?
        var value: [UInt8] = []
        func flush() {
            if let name { fields.append(Field(name: name, value: MailText.string(value))) }
            name = nil
            value = []
        }
        for line in MailText.lines(bytes) {
            guard let first = line.first else { continue }
            if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
                // A continuation line: folded whitespace becomes one space.
                if name != nil {
                    value.append(UInt8(ascii: " "))
                    value += line.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
                }
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                // A parameter that lost its indentation ("boundary=…" under Content-Type).
                if name != nil, line.contains(UInt8(ascii: "=")) {
                    value.append(UInt8(ascii: " "))
                    value += line
                } else {
                    flush()
                }
                continue
            }
            flush()
            let rawName = line[line.startIndex..<colon]
            guard !rawName.isEmpty, rawName.count <= 128,
                rawName.allSatisfy({ $0 > 32 && $0 < 127 })
            else { continue }
            name = String(decoding: rawName, as: UTF8.self)
            value = Array(line[(colon + 1)...].drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
        }
        flush()
        return MessageHeader(fields: fields)
    }
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count
            && zip(utf8, other.utf8).allSatisfy { MailText.lower($0) == MailText.lower($1) }
    }

}

extension StringProtocol {
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
