import Testing

@testable import RicochetDelivery

@Suite("Address policy")
struct AddressPolicyTests {
    static func ipv4(_ text: String) -> [UInt8] {
        text.split(separator: ".").map { UInt8($0)! }
    }

    static func ipv6(_ groups: [UInt16]) -> [UInt8] {
        groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    @Test(
        "non-global IPv4 addresses are refused",
        arguments: [
            "127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
            "100.64.0.1", "0.0.0.0", "224.0.0.1", "239.1.1.1", "255.255.255.255", "192.0.2.1", "198.18.0.1",
        ])
    func refusedIPv4(address: String) {
        #expect(AddressPolicy.globalOnly.refusal(for: Self.ipv4(address)) != nil)
        #expect(AddressPolicy.anyAddress.refusal(for: Self.ipv4(address)) == nil)
    }

    @Test(
        "global IPv4 addresses are allowed",
        arguments: ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "93.184.216.34"])
    func allowedIPv4(address: String) {
        #expect(AddressPolicy.globalOnly.refusal(for: Self.ipv4(address)) == nil)
    }

    @Test("IPv6 loopback, link-local, unique-local, multicast and embedded private IPv4 are refused")
    func refusedIPv6() {
        let refused: [[UInt16]] = [
            [0, 0, 0, 0, 0, 0, 0, 1],  // ::1
            [0, 0, 0, 0, 0, 0, 0, 0],  // ::
            [0xFE80, 0, 0, 0, 0, 0, 0, 1],
            [0xFD00, 0, 0, 0, 0, 0, 0, 1],
            [0xFF02, 0, 0, 0, 0, 0, 0, 1],
            [0, 0, 0, 0, 0, 0xFFFF, 0x7F00, 0x0001],  // ::ffff:127.0.0.1
            [0, 0, 0, 0, 0, 0xFFFF, 0x0A00, 0x0001],  // ::ffff:10.0.0.1
            [0x0064, 0xFF9B, 0, 0, 0, 0, 0xC0A8, 0x0001],  // 64:ff9b::192.168.0.1
            [0x2002, 0x7F00, 0x0001, 0, 0, 0, 0, 1],  // 6to4 of 127.0.0.1
            [0x2001, 0x0DB8, 0, 0, 0, 0, 0, 1],
        ]
        for address in refused {
            #expect(AddressPolicy.globalOnly.refusal(for: Self.ipv6(address)) != nil, "\(address)")
        }
    }

    @Test("global IPv6 addresses are allowed")
    func allowedIPv6() {
        let allowed: [[UInt16]] = [
            [0x2606, 0x4700, 0, 0, 0, 0, 0, 0x1111],
            [0x2a00, 0x1450, 0x4001, 0x0800, 0, 0, 0, 0x200E],
            [0, 0, 0, 0, 0, 0xFFFF, 0x0808, 0x0808],  // ::ffff:8.8.8.8
        ]
        for address in allowed {
            #expect(AddressPolicy.globalOnly.refusal(for: Self.ipv6(address)) == nil, "\(address)")
        }
    }
}
