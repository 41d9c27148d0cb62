/// Which IP addresses outbound requests may connect to.
///
/// By default only globally routable unicast addresses: a customer-supplied URL
/// must never reach the machine itself or the network behind it (loopback,
/// private ranges, link-local, carrier-grade NAT, multicast, documentation and
/// other special-purpose blocks of the IANA registries).
public struct AddressPolicy: Sendable {
    public let allowsPrivateNetworks: Bool

    public static let globalOnly = AddressPolicy(allowsPrivateNetworks: false)
    public static let anyAddress = AddressPolicy(allowsPrivateNetworks: true)

    public init(allowsPrivateNetworks: Bool) {
        self.allowsPrivateNetworks = allowsPrivateNetworks
    }

    /// Nil when `bytes` (4 for IPv4, 16 for IPv6, network order) may be
    /// connected to; otherwise the kind of address, for the error message.
    public func refusal(for bytes: [UInt8]) -> String? {
        if allowsPrivateNetworks { return nil }
        switch bytes.count {
        case 4: return Self.specialIPv4(bytes)
        case 16: return Self.specialIPv6(bytes)
        default: return "not an IP address"
        }
    }

    private static let ipv4Blocks: [(prefix: [UInt8], bits: Int, kind: String)] = [
        ([0, 0, 0, 0], 8, "a 'this network' address"),
        ([10, 0, 0, 0], 8, "a private address"),
        ([100, 64, 0, 0], 10, "a carrier-grade NAT address"),
        ([127, 0, 0, 0], 8, "a loopback address"),
        ([169, 254, 0, 0], 16, "a link-local address"),
        ([172, 16, 0, 0], 12, "a private address"),
        ([192, 0, 0, 0], 24, "an IETF protocol address"),
        ([192, 0, 2, 0], 24, "a documentation address"),
        ([192, 31, 196, 0], 24, "an AS112 address"),
        ([192, 52, 193, 0], 24, "an AMT address"),
        ([192, 88, 99, 0], 24, "a 6to4 relay address"),
        ([192, 168, 0, 0], 16, "a private address"),
        ([192, 175, 48, 0], 24, "an AS112 address"),
        ([198, 18, 0, 0], 15, "a benchmarking address"),
        ([198, 51, 100, 0], 24, "a documentation address"),
        ([203, 0, 113, 0], 24, "a documentation address"),
        ([224, 0, 0, 0], 4, "a multicast address"),
        ([240, 0, 0, 0], 4, "a reserved address"),
    ]

    static func specialIPv4(_ bytes: [UInt8]) -> String? {
        ipv4Blocks.first { matches(bytes, prefix: $0.prefix, bits: $0.bits) }?.kind
    }

    static func specialIPv6(_ bytes: [UInt8]) -> String? {
        let zeros = [UInt8](repeating: 0, count: 16)
        if bytes == zeros { return "the unspecified address" }
        if bytes == [UInt8](repeating: 0, count: 15) + [1] { return "a loopback address" }
        // Addresses that carry an IPv4 address (::ffff:a.b.c.d, NAT64's
        // 64:ff9b::/96): judge the IPv4 address.
        let mapped = [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF]
        let nat64 = [0, 0x64, 0xFF, 0x9B] + [UInt8](repeating: 0, count: 8)
        if matches(bytes, prefix: mapped, bits: 96) || matches(bytes, prefix: nat64, bits: 96) {
            return specialIPv4(Array(bytes[12..<16])).map { $0 + " (inside an IPv6 address)" }
        }
        if matches(bytes, prefix: [0x20, 0x02], bits: 16) {  // 6to4 embeds the IPv4 address in bits 16..47
            return specialIPv4(Array(bytes[2..<6])).map { $0 + " (inside a 6to4 address)" }
        }
        if matches(bytes, prefix: [0xFE, 0x80], bits: 10) { return "a link-local address" }
        if matches(bytes, prefix: [0xFC], bits: 7) { return "a unique local (private) address" }
        if matches(bytes, prefix: [0xFF], bits: 8) { return "a multicast address" }
        if matches(bytes, prefix: [0x20, 0x01, 0x0D, 0xB8], bits: 32) { return "a documentation address" }
        if matches(bytes, prefix: [0x3F, 0xFF], bits: 20) { return "a documentation address" }
        if matches(bytes, prefix: [0x20, 0x01, 0x00, 0x00], bits: 32) { return "a Teredo address" }
        if matches(bytes, prefix: [0x20, 0x01, 0x00, 0x20], bits: 28) { return "an ORCHID address" }
        if matches(bytes, prefix: [0x01, 0x00, 0, 0, 0, 0, 0, 0], bits: 64) { return "a discard-only address" }
        if matches(bytes, prefix: [0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01], bits: 48) { return "a local NAT64 address" }
        if !matches(bytes, prefix: [0x20], bits: 3) { return "not a global unicast address" }
        return nil
    }

    static func matches(_ bytes: [UInt8], prefix: [UInt8], bits: Int) -> Bool {
        var remaining = bits
        for (index, expected) in prefix.enumerated() where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if bytes[index] & mask != expected & mask { return false }
            remaining -= 8
        }
        return true
    }
}
