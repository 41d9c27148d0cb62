/// A TXT record in zone-file syntax, its value split into strings of at most
/// 255 characters as DNS requires (RFC 1035 §3.3.14), grouped in parentheses
/// so that it may span lines.
public enum DNSTextRecord {
    public static func zoneLine(name: String, value: String) -> String {
        var strings: [String] = []
        var rest = Substring(value)
        while !rest.isEmpty {
            strings.append("\"\(rest.prefix(255))\"")
            rest = rest.dropFirst(255)
        }
        return "\(name). IN TXT ( \(strings.joined(separator: " ")) )"
    }
}
