/// What an SMTP client writes besides commands: the message text of DATA
/// and the xtext of DSN parameters.
public enum SMTPClientText {
    /// The message as DATA sends it (RFC 5321 §4.5.2): every line ended by
    /// CRLF (a bare LF or CR becomes one), a leading dot doubled, and the
    /// final `.` line.
    public static func data(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 64 + 5)
        var atLineStart = true
        var index = message.startIndex
        while index < message.endIndex {
            let byte = message[index]
            index += 1
            if atLineStart, byte == UInt8(ascii: ".") { out.append(byte) }
            switch byte {
            case 13:
                if index < message.endIndex, message[index] == 10 { index += 1 }
                out += [13, 10]
                atLineStart = true
            case 10:
                out += [13, 10]
                atLineStart = true
            default:
                out.append(byte)
                atLineStart = false
            }
        }
        if !atLineStart { out += [13, 10] }
        out += [UInt8(ascii: "."), 13, 10]
        return out
    }

    /// RFC 3461 §4: printable ASCII but `+` and `=` as it is, any other byte
    /// as `+HH`.
    public static func xtext(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if (33...126).contains(byte), byte != UInt8(ascii: "+"), byte != UInt8(ascii: "=") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "+" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// Whether the message has a byte above 127 (it needs `BODY=8BITMIME`).
    public static func hasEightBit(_ message: [UInt8]) -> Bool {
        message.contains { $0 >= 128 }
    }
}
