import Crypto

/// A token that names one message and proves this installation made it for
/// one purpose: lower-case base32 (mail systems may change the case of a
/// local part; URLs keep it) of the message id's bytes and an HMAC under a
/// key derived for that purpose, so that a token made for one use is
/// worthless for another.
public struct MessageTokenCodec: Sendable {
    private let key: SymmetricKey
    private let macLength: Int

    public init(secret: [UInt8], purpose: String, macLength: Int) {
        precondition(secret.count >= 32, "secret too short")
        precondition((4...32).contains(macLength))
        key = SymmetricKey(
            data: HMAC<SHA256>.authenticationCode(for: Array(purpose.utf8), using: SymmetricKey(data: secret)))
        self.macLength = macLength
    }

    public func token(for message: MessageID) -> String {
        Base32.encode(message.bytes + mac(message.bytes))
    }

    /// The message a token (any case) stands for; nil when forged or malformed.
    public func message(fromToken token: some StringProtocol) -> MessageID? {
        guard token.utf8.count <= 64, let bytes = Base32.decode(token.lowercased()),
            bytes.count == TrackingToken.messageIDLength + macLength
        else { return nil }
        let id = Array(bytes.prefix(TrackingToken.messageIDLength))
        let given = Array(bytes.suffix(macLength))
        guard zip(mac(id), given).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0 else { return nil }
        return MessageID(bytes: id)
    }

    private func mac(_ bytes: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key).prefix(macLength))
    }
}
