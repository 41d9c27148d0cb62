import Foundation

/// A message the sender registered: who it goes to, its tags, and the links
/// and images that were made trackable in it.
public struct Message: Sendable, Equatable {
    public let id: MessageID
    public let accountID: Account.ID
    public let recipient: String
    public let tags: [String]
    public let links: [TrackedLink]
    public let createdAt: Date
    /// The recipient's profile, whose data enriches the message's events.
    public let profileID: String?
    /// The subprofile the message is about, if any (an order, a device, …).
    public let subprofileID: String?
    /// The `Message-ID` it is sent with.
    public let messageIDHeader: MessageIDHeader?

    public init(
        id: MessageID, accountID: Account.ID, recipient: String, tags: [String], links: [TrackedLink], createdAt: Date,
        profileID: String? = nil, subprofileID: String? = nil, messageIDHeader: MessageIDHeader? = nil
    ) {
        self.id = id
        self.accountID = accountID
        self.recipient = recipient
        self.tags = tags
        self.links = links
        self.createdAt = createdAt
        self.profileID = profileID
        self.subprofileID = subprofileID
        self.messageIDHeader = messageIDHeader
    }
}
