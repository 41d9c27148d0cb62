import Crypto
import Foundation
import _CryptoExtras

/// A dashboard user's password as stored: scrypt (N = 2^15, r = 8, p = 1,
/// 32 MiB and tens of milliseconds per try) with a random salt, written
/// `scrypt$15$8$1$SALT$HASH` (base64) so that the cost can rise later
/// without breaking older hashes.
public enum PasswordHash {
    public static let minimumLength = 12
    public static let maximumLength = 1024

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case tooShort
        case tooLong

        public var description: String {
            switch self {
            case .tooShort: "a password has at least \(PasswordHash.minimumLength) characters"
            case .tooLong: "a password has at most \(PasswordHash.maximumLength) characters"
            }
        }
    }

    public static func make(_ password: String) throws -> String {
        guard password.count >= minimumLength else { throw Problem.tooShort }
        guard password.utf8.count <= maximumLength else { throw Problem.tooLong }
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let hash = try derive(password, salt: salt, logRounds: 15, blockSize: 8, parallelism: 1)
        return "scrypt$15$8$1$\(Data(salt).base64EncodedString())$\(Data(hash).base64EncodedString())"
    }

    /// Whether `password` is the one `stored` was made from; false for anything unreadable.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let logRounds = Int(parts[1]), (10...20).contains(logRounds),
            let blockSize = Int(parts[2]), (1...16).contains(blockSize), let parallelism = Int(parts[3]),
            (1...4).contains(parallelism), let salt = Data(base64Encoded: String(parts[4])),
            let expected = Data(base64Encoded: String(parts[5])), expected.count == 32,
            password.utf8.count <= maximumLength,
            let hash = try? derive(
                password, salt: Array(salt), logRounds: logRounds, blockSize: blockSize, parallelism: parallelism)
        else { return false }
        return ConstantTime.equal(hash, Array(expected))
    }

    private static func derive(_ password: String, salt: [UInt8], logRounds: Int, blockSize: Int, parallelism: Int)
        throws -> [UInt8]
    {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: 1 << logRounds,
            blockSize: blockSize, parallelism: parallelism)
        return key.withUnsafeBytes { Array($0) }
    }
}
