/// Text that must go back into its charset byte for byte: decoded only when
/// every byte is what the charset says and encoding the text again gives the
/// same bytes.
extension Charset {
    /// Whether `charset` names UTF-8 or its ASCII subset (or nothing, which
    /// for MIME text means US-ASCII).
    static func isUTF8(_ charset: String) -> Bool {
        ["", "utf-8", "utf8", "us-ascii", "ascii"].contains(charset)
    }

    static func normalized(_ charset: String?) -> String {
        let name = (charset ?? "").trimmingSpaces().filter { $0 != "\"" && $0 != "'" }.lowercased()
        return aliases[name] ?? name
    }

    /// Names mail uses that the C library's iconv does not know.
    static let aliases = ["unicode-1-1-utf-7": "utf-7"]

    /// The text, if `bytes` is valid in `charset` and comes back unchanged.
    public static func decodeExactly(_ bytes: [UInt8], charset: String?) -> String? {
        let name = normalized(charset)
        if isUTF8(name) { return String(validating: bytes, as: UTF8.self) }
        guard
            let text = transcode(bytes, from: name, to: "UTF-8", skipping: 0).map({
                String(decoding: $0, as: UTF8.self)
            }),
            encode(text, charset: name) == bytes
        else { return nil }
        return text
    }

    /// `text` in `charset`; nil when the charset is unknown or cannot hold it.
    public static func encode(_ text: String, charset: String?) -> [UInt8]? {
        let name = normalized(charset)
        if isUTF8(name) { return Array(text.utf8) }
        return transcode(Array(text.utf8), from: "UTF-8", to: name, skipping: 0)
    }
}
