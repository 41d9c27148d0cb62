import NIOCore

/// Where a client connects from, for counting connections: its address and
/// the network around it — the /24 of an IPv4 address, the /64 of an IPv6
/// one (the block a single customer is usually given). An IPv4 address
/// mapped into IPv6 (`::ffff:a.b.c.d`) counts as IPv4.
struct ClientNetwork: Hashable, Sendable {
    let address: String
    let network: String

    init(address: String, network: String) {
        self.address = address
        self.network = network
    }

    init(_ socketAddress: SocketAddress?) {
        switch socketAddress {
        case .v4(let v4):
            self.init(ipv4: withUnsafeBytes(of: v4.address.sin_addr) { Array($0) })
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
                self.init(ipv4: Array(bytes[12...]))
            } else {
                self.init(ipv6: bytes)
            }
        default:
            self.init(address: "?", network: "?")
        }
    }

    init(ipv4 bytes: [UInt8]) {
        self.init(
            address: bytes.map(String.init).joined(separator: "."),
            network: bytes.prefix(3).map(String.init).joined(separator: ".") + ".0/24")
    }

    init(ipv6 bytes: [UInt8]) {
        func groups(_ slice: ArraySlice<UInt8>) -> [String] {
            stride(from: slice.startIndex, to: slice.endIndex, by: 2).map {
                String(UInt16(slice[$0]) << 8 | UInt16(slice[$0 + 1]), radix: 16)
            }
        }
        self.init(
            address: groups(bytes[...]).joined(separator: ":"),
            network: groups(bytes[0..<8]).joined(separator: ":") + "::/64")
    }
}
