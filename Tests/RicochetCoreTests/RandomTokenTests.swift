import Testing

@testable import RicochetCore

@Suite("Random tokens")
struct RandomTokenTests {
    @Test("tokens have the asked length, only alphabet characters, and every character about equally often")
    func uniform() {
        for (alphabet, make) in [
            (RandomToken.base32Alphabet, RandomToken.base32(length:)),
            (RandomToken.base62Alphabet, RandomToken.base62(length:)),
        ] {
            var counts: [UInt8: Int] = [:]
            for length in [1, 7, 20, 32, 100] { #expect(make(length).utf8.count == length) }
            for _ in 0..<1000 {
                for byte in make(62).utf8 { counts[byte, default: 0] += 1 }
            }
            #expect(Set(counts.keys) == Set(alphabet))
            // 62,000 characters: about 2000 (base32) or 1000 (base62) each,
            // with a standard deviation near 44 or 31.
            let expected = 62_000 / alphabet.count
            for (byte, count) in counts {
                #expect(abs(count - expected) < expected * 3 / 10, "\(UnicodeScalar(byte)) came \(count) times")
            }
        }
    }

    @Test("two tokens differ")
    func distinct() {
        #expect(RandomToken.base32(length: 20) != RandomToken.base32(length: 20))
    }
}
