import Testing

@testable import RicochetCore

@Suite("IPTruncation")
struct IPTruncationTests {
    @Test("IPv4 keeps its /24 or /16, IPv6 its /48 or /32, in RFC 5952's form")
    func truncates() {
        #expect(IPTruncation.network24.apply("192.0.2.57") == "192.0.2.0")
        #expect(IPTruncation.network16.apply("192.0.2.57") == "192.0.0.0")
        #expect(IPTruncation.network24.apply("2001:DB8:1:2:3:4:5:6") == "2001:db8:1::")
        #expect(IPTruncation.network16.apply("2001:db8:1:2::6") == "2001:db8::")
        #expect(IPTruncation.network24.apply("2001:db8:ffff::1%eth0") == "2001:db8:ffff::")
        #expect(IPTruncation.network24.apply("::ffff:198.51.100.7") == "::ffff:198.51.100.0")
        #expect(IPTruncation.network16.apply("::1") == "::")
        #expect(IPTruncation.none.apply("192.0.2.57") == "192.0.2.57")
    }

    @Test("what is not an IP address is kept as it is")
    func leavesTheRest() {
        for text in [
            "", "unknown", "1.2.3", "1.2.3.256", "01.2.3.4", "1:2:3", "1::2::3", "12345::", "a.b.c.d", "1.2.3.4.5",
        ] {
            #expect(IPTruncation.network24.apply(text) == text, "\(text)")
        }
    }

    @Test("the shortest IPv6 form: the longest zero run, not a single zero group")
    func ipv6Form() {
        #expect(IPTruncation.text(ofIPv6: IPTruncation.ipv6("1:0:0:2:0:0:0:3")!) == "1:0:0:2::3")
        #expect(IPTruncation.text(ofIPv6: IPTruncation.ipv6("1:0:2:3:4:5:6:7")!) == "1:0:2:3:4:5:6:7")
        #expect(IPTruncation.text(ofIPv6: IPTruncation.ipv6("::")!) == "::")
    }
}
