import Crypto

/// The per-message envelope sender (VERP): `<local>+<token>@<bounce domain>`.
///
/// The token is lower-case base32 (mail systems may change the case of a local
/// part) of the message id's bytes and a 40-bit HMAC, so that only addresses
/// this installation handed out are accepted for bounces.
public struct ReturnPathCodec: Sendable {
    static let macLength = 5
    private let key: SymmetricKey

    public init(secret: [UInt8]) {
        precondition(secret.count >= 32, "secret too short")
        // A key of its own, derived, so a tracking MAC is never a return-path MAC.
        key = SymmetricKey(
            data: HMAC<SHA256>.authenticationCode(for: Array("return-path".utf8), using: SymmetricKey(data: secret)))
    }

    public func token(for message: MessageID) -> String {
        Base32.encode(message.bytes + mac(message.bytes))
    }

    public func address(for message: MessageID, local: String, domain: String) -> String {
        "\(local)+\(token(for: message))@\(domain)"
    }

    /// The message a token (any case) stands for; nil when forged or malformed.
    public func message(fromToken token: some StringProtocol) -> MessageID? {
        guard let bytes = Base32.decode(token.lowercased()),
            bytes.count == TrackingToken.messageIDLength + Self.macLength
        else { return nil }
        let id = Array(bytes.prefix(TrackingToken.messageIDLength))
        let given = Array(bytes.suffix(Self.macLength))
        guard zip(mac(id), given).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0 else { return nil }
        return MessageID(bytes: id)
    }

    private func mac(_ bytes: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key).prefix(Self.macLength))
    }
}
