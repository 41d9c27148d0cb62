/// A message as an application submitted it to the relay, checked: its
/// structure is valid MIME and it names its sender.
public struct SubmittedMessage: Sendable {
    public let bytes: [UInt8]
    public let root: SubmittedPart

    /// Reads `bytes` (CRLF lines, as the SMTP session hands them over);
    /// throws the first thing that keeps it from being relayed.
    public init(_ bytes: [UInt8]) throws(MIMERefusal) {
        let root = try SubmittedPart.parse(bytes)
        guard let from = root.field("From"), !from.isEmpty else {
            throw MIMERefusal("the message has no From header field")
        }
        self.bytes = bytes
        self.root = root
    }
}
