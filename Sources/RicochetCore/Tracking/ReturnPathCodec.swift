/// The per-message envelope sender (VERP): `<local>+<token>@<bounce domain>`.
///
/// The token (``MessageTokenCodec``) carries the message id and a 40-bit
/// HMAC, so that only addresses this installation handed out are accepted
/// for bounces.
public struct ReturnPathCodec: Sendable {
    private let codec: MessageTokenCodec

    public init(secret: [UInt8]) {
        // A key of its own, derived, so a tracking MAC is never a return-path MAC.
        codec = MessageTokenCodec(secret: secret, purpose: "return-path", macLength: 5)
    }

    public func token(for message: MessageID) -> String {
        codec.token(for: message)
    }

    public func address(for message: MessageID, local: String, domain: String) -> String {
        "\(local)+\(token(for: message))@\(domain)"
    }

    /// The message a token (any case) stands for; nil when forged or malformed.
    public func message(fromToken token: some StringProtocol) -> MessageID? {
        codec.message(fromToken: token)
    }
}
