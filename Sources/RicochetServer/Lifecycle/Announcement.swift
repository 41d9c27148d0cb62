/// What a new installation prints once at its first start.
public struct FirstStartAnnouncement: Sendable {
    public let accountName: String
    public let apiKey: String
}
