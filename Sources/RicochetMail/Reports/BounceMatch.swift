import RicochetCore

/// Which sent message a returned mail is about, from what the mail itself
/// carries.
public enum BounceMatch {
    /// One thing that names the message, strongest first in ``references(rcptTo:report:codec:)``.
    public enum Reference: Sendable, Equatable {
        /// The return-path token the mail was sent to: its MAC proves it.
        case returnPath(MessageID)
        /// The returned copy's `X-Ricochet-Message` header; believed only
        /// when such a message is stored.
        case header(MessageID)
        /// The returned copy's `Message-ID`, looked up among the messages.
        case messageID(MessageIDHeader)
    }

    /// Everything in the mail that names a message: return-path tokens of
    /// the envelope recipients, then the returned copy's
    /// `X-Ricochet-Message`, then its `Message-ID`.
    public static func references(rcptTo: [String], report: BounceReport, codec: ReturnPathCodec) -> [Reference] {
        var references = rcptTo.compactMap { returnPath($0, codec: codec) }.map(Reference.returnPath)
        if let id = messageHeader(in: report) { references.append(.header(id)) }
        if let header = report.original?["Message-ID"].flatMap({ MessageIDHeader($0) }) {
            references.append(.messageID(header))
        }
        return references
    }

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
