import Testing

@testable import RicochetCore

@Suite("SuppressedAddress")
struct SuppressedAddressTests {
    @Test("keys an address lower-cased whole; lengths in code points")
    func normalises() {
        #expect(SuppressedAddress.normalised("Jane.Doe+News@Example.ORG") == "jane.doe+news@example.org")
        #expect(SuppressedAddress.normalised("ÉLODIE@exemple.fr") == "élodie@exemple.fr")
        #expect(SuppressedAddress.normalised("a@b") == "a@b")
        #expect(SuppressedAddress.normalised(String(repeating: "a", count: 242) + "@example.org")?.utf8.count == 254)
        #expect(SuppressedAddress.normalised(String(repeating: "é", count: 242) + "@example.org") != nil)
    }

    @Test("refuses what is not one address")
    func refuses() {
        for text in [
            "", "jane", "@example.org", " jane@example.org", "jane@example.org\r\n", "jane@", "a@b@example.org",
            "jane doe@example.org", "<jane@example.org>",
            "jane@.example.org", "jane@example.org.", "jane\u{0}@example.org", "jane@exa\tmple.org",
            String(repeating: "a", count: 243) + "@example.org",
        ] {
            #expect(SuppressedAddress.normalised(text) == nil, "\(text)")
        }
    }
}
