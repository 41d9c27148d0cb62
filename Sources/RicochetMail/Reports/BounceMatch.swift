import RicochetCore

/// Which sent message a bounce is about, from what the mail itself carries.
public enum BounceMatch {
    /// The message named by the returned copy's `X-Ricochet-Message` header.
    public static func messageHeader(in report: BounceReport) -> MessageID? {
        report.original?["X-Ricochet-Message"].flatMap { MessageID($0) }
    }

    /// The message whose return-path token the mail was addressed to, when
    /// `codec` accepts it: `local+TOKEN@domain`.
    public static func returnPath(_ address: String, codec: ReturnPathCodec) -> MessageID? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let local = address[..<at]
        guard let plus = local.lastIndex(of: "+") else { return nil }
        return codec.message(fromToken: local[local.index(after: plus)...])
    }
}
