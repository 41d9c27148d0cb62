import Testing

@testable import RicochetCore

@Suite("API keys")
struct APIKeyTests {
    @Test("keys are random, prefixed, and stored only as their SHA-256")
    func keys() {
        let key = APIKey.generate()
        #expect(key.secret.hasPrefix("rk_"))
        #expect(key.secret.count == 35)
        #expect(key.hash.count == 64)
        #expect(key.hash != key.secret)
        #expect(APIKey.hash(of: key.secret) == key.hash)
        #expect(APIKey.generate().secret != key.secret)
        #expect(APIKey.hash(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
