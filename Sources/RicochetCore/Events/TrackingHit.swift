import Foundation

/// One request for a tracked URL, as it arrived: the raw material of an open
/// or click event.
public struct TrackingHit: Sendable {
    public enum Kind: String, Sendable {
        case open
        case click
    }

    public let kind: Kind
    public let message: MessageID
    /// The link or image, when the hit was for one (not for the pixel).
    public let linkIndex: Int?
    /// The original URL of a click or image.
    public let url: String?
    public let ip: String
    public let userAgent: String
    public let referer: String
    public let isHead: Bool
    public let at: Date

    public init(
        kind: Kind, message: MessageID, linkIndex: Int?, url: String?, ip: String, userAgent: String, referer: String,
        isHead: Bool, at: Date
    ) {
        self.kind = kind
        self.message = message
        self.linkIndex = linkIndex
        self.url = url
        self.ip = ip
        self.userAgent = userAgent
        self.referer = referer
        self.isHead = isHead
        self.at = at
    }
}
