/// Decodes the character references that appear in URLs in HTML attributes.
enum HTMLEntities {
    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "sol": "/",
        "colon": ":", "quest": "?", "equals": "=", "num": "#", "percnt": "%", "period": ".",
    ]

    /// `&amp;`, `&#38;` and `&#x26;` become `&`; references it does not know
    /// are left as they are, as are names without a `;` (HTML does the same
    /// inside attribute values, so `?a=1&copy=2` keeps its `&copy`).
    static func decode(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        var output = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            output += rest[..<ampersand]
            rest = rest[ampersand...]
            guard let semicolon = rest.prefix(12).firstIndex(of: ";") else {
                output += "&"
                rest = rest.dropFirst()
                continue
            }
            let reference = rest[rest.index(after: rest.startIndex)..<semicolon]
            if let decoded = decodeReference(reference) {
                output += decoded
                rest = rest[rest.index(after: semicolon)...]
            } else {
                output += "&"
                rest = rest.dropFirst()
            }
        }
        return output + rest
    }

    private static func decodeReference(_ reference: Substring) -> String? {
        if reference.hasPrefix("#x") || reference.hasPrefix("#X") {
            return UInt32(reference.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
        }
        if reference.hasPrefix("#") {
            return UInt32(reference.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init).map { String($0) }
        }
        return named[String(reference)]
    }
}
