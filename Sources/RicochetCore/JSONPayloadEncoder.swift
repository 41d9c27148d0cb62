/// Writes a ``PayloadValue`` as compact JSON, keys in their stored order.
///
/// Written by hand rather than with `JSONEncoder` so that the bytes are fixed by
/// the value alone: a retried or replayed delivery sends exactly what was signed.
public enum JSONPayloadEncoder {
    public static func encode(_ value: PayloadValue) -> String {
        var output = ""
        write(value, to: &output)
        return output
    }

    static func write(_ value: PayloadValue, to output: inout String) {
        switch value {
        case .string(let string):
            writeString(string, to: &output)
        case .integer(let integer):
            output += String(integer)
        case .double(let double):
            output += double.isFinite ? jsonNumber(double) : "null"
        case .bool(let bool):
            output += bool ? "true" : "false"
        case .null:
            output += "null"
        case .list(let list):
            output += "["
            for (index, element) in list.enumerated() {
                if index > 0 { output += "," }
                write(element, to: &output)
            }
            output += "]"
        case .object(let object):
            output += "{"
            for (index, (key, element)) in object.enumerated() {
                if index > 0 { output += "," }
                writeString(key, to: &output)
                output += ":"
                write(element, to: &output)
            }
            output += "}"
        }
    }

    /// Integral doubles print without a fraction (`3`, not `3.0`), as JavaScript would.
    static func jsonNumber(_ double: Double) -> String {
        if double == double.rounded(), abs(double) < 1e15 {
            return String(Int64(double))
        }
        return String(describing: double)
    }

    static func writeString(_ string: String, to output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case "\u{2028}": output += "\\u2028"
            case "\u{2029}": output += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
