import Crypto

/// How an erased address is kept where it must stay findable — on the
/// suppression list, so that the person stays unsubscribed, and in the
/// audit list of erasures: as `erased:` and a keyed hash (HMAC-SHA256 under
/// a secret of the installation, 128 bits in hex) of its normalised form.
/// Without the secret the address cannot be recovered or guessed from a
/// list of candidates; with it, the same address gives the same key.
public struct ErasedAddress: Sendable {
    public static let prefix = "erased:"
    private let key: SymmetricKey

    public init(secret: [UInt8]) {
        precondition(secret.count >= 32, "secret too short")
        key = SymmetricKey(
            data: HMAC<SHA256>.authenticationCode(for: Array("erased-address".utf8), using: SymmetricKey(data: secret)))
    }

    /// The key of a normalised address (``SuppressedAddress/normalised(_:)``).
    public func key(for address: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(address.utf8), using: key)
        return Self.prefix + code.prefix(16).map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
