import Foundation
import RicochetCore

/// A filter and a page of the event log, newest first.
public struct EventQuery: Sendable, Equatable {
    public var type: EventType?
    public var message: MessageID?
    public var tag: String?
    public var since: Date?
    public var until: Date?
    /// Only events older than this cursor (the `next` of the previous page).
    public var before: Int64?
    public var limit: Int

    public init(
        type: EventType? = nil, message: MessageID? = nil, tag: String? = nil, since: Date? = nil, until: Date? = nil,
        before: Int64? = nil, limit: Int = 100
    ) {
        self.type = type
        self.message = message
        self.tag = tag
        self.since = since
        self.until = until
        self.before = before
        self.limit = limit
    }
}

/// One page of the event log.
public struct EventPage: Sendable {
    public let events: [Event]
    /// Pass as ``EventQuery/before`` for the next page; nil on the last page.
    public let next: Int64?

    public init(events: [Event], next: Int64?) {
        self.events = events
        self.next = next
    }
}
