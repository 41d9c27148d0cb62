import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// `GET /api/v1/events`: the event log, newest first, filtered and paged.
struct EventController<Events: EventStore>: Sendable {
    let events: Events

    static var maximumLimit: Int { 1000 }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("events", use: list)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> PageView<EventView> {
        let account = try context.requireAccount()
        let parameters = request.uri.queryParameters
        let known: Set<String> = ["type", "message", "tag", "since", "until", "limit", "before"]
        try parameters.requireOnly(known)
        var query = EventQuery()
        if let type = parameters["type"] {
            guard let parsed = EventType(rawValue: String(type)) else {
                // The document's enum: a value that is none of them breaks it.
                throw APIError.badRequest(
                    "unknown event type '\(type)'; types are: \(EventType.names)", code: "invalid_events")
            }
            query.type = parsed
        }
        if let message = parameters["message"] {
            guard let id = MessageID(message) else {
                throw APIError.badRequest("message '\(message)' is not a message id", code: "invalid_field")
            }
            query.message = id
        }
        query.tag = parameters["tag"].map(String.init)
        query.since = try parameters["since"].map { try QueryTime.parse($0, name: "since") }
        query.until = try parameters["until"].map { try QueryTime.parse($0, name: "until") }
        query.limit = try parameters.limit(maximum: Self.maximumLimit, default: query.limit)
        if let before = parameters["before"] {
            guard let value = PageCursor.parse(before) else {
                throw APIError.badRequest("before must be the 'next' value of a previous page", code: "invalid_field")
            }
            query.before = value
        }
        let page = try await events.events(of: account.id, matching: query)
        return PageView("events", items: page.events.map(EventView.init), next: page.next.map(String.init))
    }

}

struct EventView: Encodable {
    let id: String
    let type: String
    let message: String?
    let occurredAt: Date
    let machine: Bool
    let machineReason: String?
    let variables: PayloadValue

    enum CodingKeys: String, CodingKey {
        case id, type, message, machine, variables
        case occurredAt = "occurred_at"
        case machineReason = "machine_reason"
    }

    init(_ event: Event) {
        id = event.id
        type = event.type.rawValue
        message = event.message?.description
        occurredAt = event.occurredAt
        machine = event.machineReason != nil
        machineReason = event.machineReason
        variables = event.variables
    }
}

/// A time in a query string: RFC 3339 (`2026-11-29T10:00:00Z`) or Unix
/// seconds; one before 1970 or after year 9999 is taken as that end.
enum QueryTime {
    static func parse(_ text: Substring, name: String) throws -> Date {
        if let date = RFC3339.unixSeconds(text) ?? RFC3339.parse(text) { return RFC3339.clamped(date) }
        throw APIError.badRequest(
            "\(name) must be an RFC 3339 time (2026-11-29T10:00:00Z) or Unix seconds", code: "invalid_field")
    }
}
