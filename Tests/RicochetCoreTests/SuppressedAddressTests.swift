import Testing

@testable import RicochetCore

@Suite("SuppressedAddress")
struct SuppressedAddressTests {
    @Test("keys an address trimmed and lower-cased whole")
    func normalises() {
        #expect(SuppressedAddress.normalised("  Jane.Doe+News@Example.ORG\r\n") == "jane.doe+news@example.org")
        #expect(SuppressedAddress.normalised("ÉLODIE@exemple.fr") == "élodie@exemple.fr")
        #expect(SuppressedAddress.normalised(String(repeating: "a", count: 242) + "@example.org")?.utf8.count == 254)
    }

    @Test("refuses what is not one address")
    func refuses() {
        for text in [
            "", "jane", "@example.org", "jane@", "a@b@example.org", "jane doe@example.org", "<jane@example.org>",
            "jane@.example.org", "jane@example.org.", "jane\u{0}@example.org", "jane@exa\tmple.org",
            String(repeating: "a", count: 243) + "@example.org",
        ] {
            #expect(SuppressedAddress.normalised(text) == nil, "\(text)")
        }
    }
}
