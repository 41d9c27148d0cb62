/// How much of a client's IP address is kept, before any event is stored
/// or sent (`--ip-truncation`): all of it, or only its network — an IPv4
/// address's first three or two bytes, an IPv6 address's first 48 or 32
/// bits — the rest zero, so `192.0.2.57` is kept as `192.0.2.0`.
public enum IPTruncation: String, Sendable, CaseIterable {
    case none
    /// IPv4 /24, IPv6 /48.
    case network24 = "24"
    /// IPv4 /16, IPv6 /32.
    case network16 = "16"

    var ipv4Bits: Int { self == .network24 ? 24 : 16 }
    var ipv6Bits: Int { self == .network24 ? 48 : 32 }

    /// `address` truncated; a text that is not an IP address is kept as it
    /// is (there is nothing to truncate), an IPv4-mapped IPv6 address is
    /// truncated as IPv4.
    public func apply(_ address: String) -> String {
        guard self != .none else { return address }
        if let bytes = Self.ipv4(address[...]) {
            return Self.masked(bytes, keeping: ipv4Bits).map(String.init).joined(separator: ".")
        }
        if let bytes = Self.ipv6(address) {
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
                return "::ffff:"
                    + Self.masked(Array(bytes[12...]), keeping: ipv4Bits).map(String.init).joined(separator: ".")
            }
            return Self.text(ofIPv6: Self.masked(bytes, keeping: ipv6Bits))
        }
        return address
    }

    static func masked(_ bytes: [UInt8], keeping bits: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let kept = max(0, min(8, bits - index * 8))
            return kept == 8 ? byte : byte & ~(0xFF >> kept)
        }
    }

    static func ipv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), let value = UInt8(part),
                part == "0" || !part.hasPrefix("0")
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    /// The 16 bytes of an IPv6 address in any of its text forms (RFC 4291
    /// §2.2), a zone (`%eth0`) ignored.
    static func ipv6(_ text: String) -> [UInt8]? {
        let address = text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard address.contains(":"), address.count <= 45 else { return nil }
        let halves = address.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt8]? {
            guard !part.isEmpty else { return [] }
            var bytes: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains(".") {
                    guard let v4 = ipv4(piece) else { return nil }
                    bytes += v4
                    continue
                }
                guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return bytes
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
        return head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    /// RFC 5952's form: lower case, no leading zeros, the longest run of two
    /// or more zero groups as `::`.
    static func text(ofIPv6 bytes: [UInt8]) -> String {
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        var best = (start: -1, length: 0)
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < 8, groups[end] == 0 { end += 1 }
            if end - index > best.length, end - index >= 2 { best = (index, end - index) }
            index = end
        }
        func hex(_ range: Range<Int>) -> String { groups[range].map { String($0, radix: 16) }.joined(separator: ":") }
        guard best.start >= 0 else { return hex(0..<8) }
        return hex(0..<best.start) + "::" + hex((best.start + best.length)..<8)
    }
}
