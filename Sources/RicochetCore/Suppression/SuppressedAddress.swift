/// An email address as a suppression list keys it: lower-cased whole
/// (mailbox providers treat local parts case-insensitively, and an entry
/// that misses `Jane@` for `jane@` is worse than one that catches both),
/// with exactly one `@` between a non-empty local part and a domain.
public enum SuppressedAddress {
    /// The longest address SMTP carries (RFC 5321 §4.5.3.1.3: a path of 256
    /// octets, less its angle brackets), counted in code points as the API's
    /// document counts lengths.
    public static let maximumLength = 254

    /// The key of `text`, or nil when it is not an address: empty parts,
    /// several `@`, a domain that starts or ends with a dot, spaces, control
    /// characters (C0 and DEL) or angle brackets anywhere, or longer than
    /// ``maximumLength``. Nothing is trimmed: what callers read from mail
    /// they trim themselves.
    public static func normalised(_ text: some StringProtocol) -> String? {
        guard text.unicodeScalars.count <= maximumLength,
            !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0 == "<" || $0 == ">" })
        else { return nil }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !parts[1].hasPrefix("."),
            !parts[1].hasSuffix(".")
        else { return nil }
        return text.lowercased()
    }
}
