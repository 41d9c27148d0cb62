/// Random strings for identifiers, keys and validation files.
///
/// `SystemRandomNumberGenerator` draws from the operating system's CSPRNG
/// (`getrandom` on Linux), so these are not guessable. Each draw is a system
/// call, so a token takes 64 bits at a time rather than one draw a character.
public enum RandomToken {
    static let base32Alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
    static let base62Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// Lower-case base32: safe in URLs, file names and case-insensitive places. 5 bits a character.
    public static func base32(length: Int) -> String {
        make(length: length, alphabet: base32Alphabet, bitsPerDraw: 5)
    }

    /// Mixed-case letters and digits. About 5.95 bits a character.
    public static func base62(length: Int) -> String {
        make(length: length, alphabet: base62Alphabet, bitsPerDraw: 6)
    }

    /// Takes `bitsPerDraw` bits at a time and keeps values inside the
    /// alphabet (rejection sampling, so every character is equally likely).
    private static func make(length: Int, alphabet: [UInt8], bitsPerDraw: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var output: [UInt8] = []
        output.reserveCapacity(length)
        var pool: UInt64 = 0
        var bitsLeft = 0
        let mask = UInt64(1) << UInt64(bitsPerDraw) - 1
        while output.count < length {
            if bitsLeft < bitsPerDraw {
                pool = generator.next()
                bitsLeft = 64
            }
            let value = Int(pool & mask)
            pool >>= UInt64(bitsPerDraw)
            bitsLeft -= bitsPerDraw
            if value < alphabet.count { output.append(alphabet[value]) }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
