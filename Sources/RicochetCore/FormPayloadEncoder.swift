/// Writes a ``PayloadValue`` as `application/x-www-form-urlencoded`, the way
/// PHP's `$_POST` reads nested data back.
///
/// Objects become `key[name]=value`, lists of plain values `key[]=value` (one
/// pair per item), and lists that hold objects or lists `key[0][name]=value`,
/// since PHP would start a new element at every `[]`. `null` is left out, as
/// PHP's `http_build_query` does; booleans are `1` and `0`.
public enum FormPayloadEncoder {
    public static func encode(_ value: PayloadValue) -> String {
        var pairs: [String] = []
        switch value {
        case .object(let object):
            for (key, element) in object {
                append(element, name: escape(key), to: &pairs)
            }
        case .list(let list):
            for (index, element) in list.enumerated() {
                append(element, name: String(index), to: &pairs)
            }
        default:
            append(value, name: "value", to: &pairs)
        }
        return pairs.joined(separator: "&")
    }

    private static func append(_ value: PayloadValue, name: String, to pairs: inout [String]) {
        switch value {
        case .null:
            return
        case .string(let string):
            pairs.append(name + "=" + escape(string))
        case .integer(let integer):
            pairs.append(name + "=" + String(integer))
        case .double(let double):
            pairs.append(name + "=" + escape(JSONPayloadEncoder.jsonNumber(double)))
        case .bool(let bool):
            pairs.append(name + "=" + (bool ? "1" : "0"))
        case .object(let object):
            for (key, element) in object {
                append(element, name: name + "[" + escape(key) + "]", to: &pairs)
            }
        case .list(let list):
            let nested = list.contains { element in
                switch element {
                case .list, .object: true
                default: false
                }
            }
            for (index, element) in list.enumerated() {
                append(element, name: name + (nested ? "[\(index)]" : "[]"), to: &pairs)
            }
        }
    }

    /// Percent-encodes all but letters, digits and `-._*`; space becomes `+`
    /// (PHP's `urlencode`).
    static func escape(_ string: String) -> String {
        var output = ""
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "*"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                output += "+"
            default:
                output += "%" + hexDigits[Int(byte >> 4)] + hexDigits[Int(byte & 0x0F)]
            }
        }
        return output
    }

    private static let hexDigits = "0123456789ABCDEF".map(String.init)
}
