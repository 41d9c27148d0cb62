/// RFC 2047 encoded words in header values: `=?charset?B?…?=` and
/// `=?charset?Q?…?=`. Whitespace between two encoded words is dropped; a
/// malformed word stays as written.
public enum EncodedWords {
    public static func decode(_ value: String) -> String {
        guard value.contains("=?") else { return value }
        var output = ""
        var rest = Substring(value)
        var lastWasEncoded = false
        while let start = rest.range(of: "=?") {
            let before = rest[..<start.lowerBound]
            guard let word = encodedWord(rest[start.lowerBound...]) else {
                output += before + "=?"
                lastWasEncoded = false
                rest = rest[start.upperBound...]
                continue
            }
            if lastWasEncoded, before.allSatisfy({ $0 == " " || $0 == "\t" }) {
                // Space between adjacent encoded words is not part of the text.
            } else {
                output += before
            }
            output += word.text
            lastWasEncoded = true
            rest = rest[word.end...]
        }
        return output + rest
    }

    private static func encodedWord(_ text: Substring) -> (text: String, end: Substring.Index)? {
        // =?charset?encoding?encoded-text?=
        let parts = text.dropFirst(2)
        guard let q1 = parts.firstIndex(of: "?") else { return nil }
        let charset = parts[..<q1].split(separator: "*").first.map(String.init) ?? ""
        let afterCharset = parts[parts.index(after: q1)...]
        guard let q2 = afterCharset.firstIndex(of: "?"),
            afterCharset.distance(from: afterCharset.startIndex, to: q2) == 1
        else { return nil }
        let encoding = afterCharset[afterCharset.startIndex].lowercased()
        let payload = afterCharset[afterCharset.index(after: q2)...]
        guard let end = payload.range(of: "?=") else { return nil }
        let encoded = payload[..<end.lowerBound]
        guard !encoded.contains(" ") || encoding == "q" else { return nil }
        let bytes: [UInt8]
        switch encoding {
        case "b": bytes = TransferEncoding.base64(encoded.utf8)
        case "q": bytes = TransferEncoding.quotedPrintable(encoded.utf8, underscoreIsSpace: true)
        default: return nil
        }
        return (Charset.decode(bytes, charset: charset), end.upperBound)
    }
}
