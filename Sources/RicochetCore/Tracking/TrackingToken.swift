/// What a tracked URL in a message stands for: the message, which link or
/// image of it, and the original URL, so that a click can be redirected from
/// the token alone, without reading the database.
public struct TrackingToken: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        /// The 1×1 pixel added to every HTML part.
        case pixel = 1
        /// A remote image of the message, served from the cache.
        case image = 2
        /// A link of the message.
        case click = 3
    }

    public static let messageIDLength = 10

    public let kind: Kind
    /// The random part of the message id.
    public let message: [UInt8]
    /// Position of the link or image in the message, from 0.
    public let index: Int
    /// The original URL; empty for the pixel.
    public let url: String

    public init(kind: Kind, message: [UInt8], index: Int, url: String) {
        precondition(message.count == Self.messageIDLength)
        self.kind = kind
        self.message = message
        self.index = index
        self.url = url
    }
}
