/// An email address as a suppression list keys it: trimmed and lower-cased
/// whole (mailbox providers treat local parts case-insensitively, and an
/// entry that misses `Jane@` for `jane@` is worse than one that catches
/// both), with exactly one `@` between a non-empty local part and a domain.
public enum SuppressedAddress {
    /// The longest address SMTP carries (RFC 5321 §4.5.3.1.3: a path of 256
    /// octets, less its angle brackets).
    public static let maximumLength = 254

    /// The key of `text`, or nil when it is not an address: empty parts,
    /// several `@`, spaces, control characters or angle brackets inside, or
    /// longer than ``maximumLength`` octets.
    public static func normalised(_ text: some StringProtocol) -> String? {
        let trimmed = text.trimmingWhitespace().lowercased()
        guard trimmed.utf8.count <= maximumLength,
            !trimmed.unicodeScalars.contains(where: { $0.value <= 0x20 || $0 == "<" || $0 == ">" || $0.value == 0x7F })
        else { return nil }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !parts[1].hasPrefix("."),
            !parts[1].hasSuffix(".")
        else { return nil }
        return trimmed
    }
}
