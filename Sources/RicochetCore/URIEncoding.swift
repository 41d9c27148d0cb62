/// Percent-encoding of a URI as a header carries it (RFC 3986 §2.1): every
/// byte that may not stand in a URI as it is — non-ASCII (as UTF-8), space,
/// controls, `"<>\^`{|}` — becomes `%XX`; the characters a URI may hold,
/// and escapes already written (`%2F`), stay. A `%` that starts no escape
/// is itself escaped. Used for `Location`, where browsers and HTTP
/// libraries expect ASCII.
public enum URIEncoding {
    public static func encode(_ uri: String) -> String {
        let bytes = Array(uri.utf8)
        var encoded: [UInt8] = []
        encoded.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let escape =
                    index + 2 < bytes.count && isHexDigit(bytes[index + 1]) && isHexDigit(bytes[index + 2])
                if escape {
                    encoded += bytes[index...index + 2]
                    index += 3
                    continue
                }
            } else if isAllowed(byte) {
                encoded.append(byte)
                index += 1
                continue
            }
            encoded += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            index += 1
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    private static let hex = Array("0123456789ABCDEF".utf8)

    /// Unreserved and reserved characters (RFC 3986 §2.2, §2.3), by ASCII code.
    private static let allowed: [Bool] = (0..<128).map { code in
        let byte = UInt8(code)
        return (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || "-._~:/?#[]@!$&'()*+,;=".utf8.contains(byte)
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        byte < 128 && allowed[Int(byte)]
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            true
        default: false
        }
    }
}
