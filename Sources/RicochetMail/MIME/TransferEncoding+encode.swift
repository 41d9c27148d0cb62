/// Content-Transfer-Encoding encoders, for parts written anew: lines of at
/// most 76 characters ending CRLF, as RFC 2045 asks.
extension TransferEncoding {
    /// Base64 in lines of 76, joined by CRLF (no line break after the last).
    public static func encodeBase64(_ bytes: [UInt8]) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 4 / 3 + bytes.count / 38 + 8)
        var column = 0
        var index = 0
        while index < bytes.count {
            if column == 76 {
                output += [13, 10]
                column = 0
            }
            let count = min(3, bytes.count - index)
            let first = bytes[index]
            let second: UInt8 = count > 1 ? bytes[index + 1] : 0
            let third: UInt8 = count > 2 ? bytes[index + 2] : 0
            output.append(alphabet[Int(first >> 2)])
            output.append(alphabet[Int((first & 0x03) << 4 | second >> 4)])
            output.append(count > 1 ? alphabet[Int((second & 0x0F) << 2 | third >> 6)] : UInt8(ascii: "="))
            output.append(count > 2 ? alphabet[Int(third & 0x3F)] : UInt8(ascii: "="))
            column += 4
            index += 3
        }
        return output
    }

    /// Whether `bytes` is base64 as RFC 2045 writes it: the alphabet, line
    /// breaks and spaces, and padding only at the end.
    public static func isStrictBase64<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        var count = 0
        var padding = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                guard padding == 0 else { return false }
                count += 1
            case UInt8(ascii: "="):
                padding += 1
                count += 1
                guard padding <= 2 else { return false }
            case 13, 10, 32, 9:
                continue
            default:
                return false
            }
        }
        return count % 4 == 0
    }

    /// Quoted-printable: CRLF stays a line break, every other control byte,
    /// `=`, 8-bit byte and space or tab before a line break is escaped, and
    /// lines longer than 76 are broken with soft line breaks.
    public static func encodeQuotedPrintable(_ bytes: [UInt8]) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8)
        var column = 0
        var index = 0
        func emit(_ token: [UInt8]) {
            // Room for the soft break's "=" on the line.
            if column + token.count > 75 {
                output += [UInt8(ascii: "="), 13, 10]
                column = 0
            }
            output += token
            column += token.count
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 13, index + 1 < bytes.count, bytes[index + 1] == 10 {
                output += [13, 10]
                column = 0
                index += 2
                continue
            }
            let atLineEnd =
                index + 1 == bytes.count
                || (bytes[index + 1] == 13 && index + 2 < bytes.count && bytes[index + 2] == 10)
            let literal =
                (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 32 || byte == 9) && !atLineEnd)
            emit(literal ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            index += 1
        }
        return output
    }
}
