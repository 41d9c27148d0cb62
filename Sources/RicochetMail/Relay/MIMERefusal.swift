/// Why a submitted message cannot be relayed as it is: it is not valid MIME,
/// or a part to be tracked cannot be read and written back exactly. The
/// reason is said to the client in the SMTP reply, so it names the part.
public struct MIMERefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
