/// The `List-Unsubscribe` and `List-Unsubscribe-Post` fields (RFC 2369,
/// RFC 8058) of a message: the one-click URL `BASE/u/TOKEN` and, where the
/// SMTP receiver listens, `mailto:unsubscribe+TOKEN@BOUNCE_DOMAIN`, both
/// with a token (``MessageTokenCodec``, an 80-bit HMAC) that only this
/// installation can make.
public struct UnsubscribeLinks: Sendable {
    /// The local part of the `mailto:` address, before `+TOKEN`.
    public static let localPart = "unsubscribe"
    /// The one-click POST body (RFC 8058 §3.1).
    public static let oneClickBody = "List-Unsubscribe=One-Click"

    public let codec: MessageTokenCodec
    /// The public URL, without a trailing slash.
    public let base: String
    /// The bounce domain, when mail to it is taken; nil leaves the `mailto:` out.
    public let mailDomain: String?

    public init(secret: [UInt8], base: String, mailDomain: String?) {
        codec = MessageTokenCodec(secret: secret, purpose: "unsubscribe", macLength: 10)
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.mailDomain = mailDomain
    }

    public func url(for message: MessageID) -> String {
        "\(base)/u/\(codec.token(for: message))"
    }

    public func mailAddress(for message: MessageID) -> String? {
        mailDomain.map { "\(Self.localPart)+\(codec.token(for: message))@\($0)" }
    }

    /// The two fields, in the order they are added to a message.
    public func fields(for message: MessageID) -> [(name: String, value: String)] {
        var value = "<\(url(for: message))>"
        if let address = mailAddress(for: message) { value += ", <mailto:\(address)>" }
        return [(name: "List-Unsubscribe", value: value), (name: "List-Unsubscribe-Post", value: Self.oneClickBody)]
    }

    /// The message of an `unsubscribe+TOKEN@…` address (any case); nil for
    /// any other address and for a forged token.
    public func message(fromAddress address: String) -> MessageID? {
        let lowered = address.lowercased()
        guard let at = lowered.lastIndex(of: "@") else { return nil }
        let local = lowered[..<at]
        guard local.hasPrefix(Self.localPart + "+") else { return nil }
        return codec.message(fromToken: local.dropFirst(Self.localPart.count + 1))
    }
}
