/// Writes a ``PayloadValue`` as compact JSON, keys in their stored order.
///
/// Written by hand rather than with `JSONEncoder` so that the bytes are fixed by
/// the value alone: a retried or replayed delivery sends exactly what was signed.
public enum JSONPayloadEncoder {
    public static func encode(_ value: PayloadValue) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(512)
        write(value, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    static func write(_ value: PayloadValue, to output: inout [UInt8]) {
        switch value {
        case .string(let string):
            writeString(string, to: &output)
        case .integer(let integer):
            output += String(integer).utf8
        case .double(let double):
            output += (double.isFinite ? jsonNumber(double) : "null").utf8
        case .bool(let bool):
            output += (bool ? "true" : "false").utf8
        case .null:
            output += "null".utf8
        case .list(let list):
            output.append(UInt8(ascii: "["))
            for (index, element) in list.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for (index, (key, element)) in object.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                write(element, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// Integral doubles print without a fraction (`3`, not `3.0`), as JavaScript would.
    static func jsonNumber(_ double: Double) -> String {
        if double == double.rounded(), abs(double) < 1e15 {
            return String(Int64(double))
        }
        return String(describing: double)
    }

    /// Copies runs of plain bytes at once; escapes quotes, backslashes,
    /// control characters, and U+2028/U+2029 (which end lines in JavaScript).
    static func writeString(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var plain = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                let escape: String?
                var width = 1
                switch byte {
                case UInt8(ascii: "\""): escape = "\\\""
                case UInt8(ascii: "\\"): escape = "\\\\"
                case UInt8(ascii: "\n"): escape = "\\n"
                case UInt8(ascii: "\r"): escape = "\\r"
                case UInt8(ascii: "\t"): escape = "\\t"
                case 0x08: escape = "\\b"
                case 0x0C: escape = "\\f"
                case 0..<0x20:
                    let hex = String(byte, radix: 16)
                    escape = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                case 0xE2
                where index + 2 < bytes.count && bytes[index + 1] == 0x80
                    && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
                    escape = bytes[index + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                    width = 3
                default:
                    escape = nil
                }
                if let escape {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plain..<index]))
                    output += escape.utf8
                    plain = index + width
                }
                index += width
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plain..<bytes.count]))
        }
        output.append(UInt8(ascii: "\""))
    }
}
