/// Random strings for identifiers, keys and validation files.
///
/// `SystemRandomNumberGenerator` draws from the operating system's CSPRNG
/// (`getrandom` on Linux), so these are not guessable.
public enum RandomToken {
    static let base32Alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
    static let base62Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// Lower-case base32: safe in URLs, file names and case-insensitive places. 5 bits a character.
    public static func base32(length: Int) -> String {
        make(length: length, alphabet: base32Alphabet)
    }

    /// Mixed-case letters and digits. About 5.95 bits a character.
    public static func base62(length: Int) -> String {
        make(length: length, alphabet: base62Alphabet)
    }

    private static func make(length: Int, alphabet: [Character]) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
