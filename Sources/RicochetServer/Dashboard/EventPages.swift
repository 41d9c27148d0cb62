import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// The latest events with their enriched variables, by type and tag.
struct EventPages<Store: EventStore>: Sendable {
    let store: Store
    let page: DashboardPage

    static var pageSize: Int { 50 }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("events", use: list)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let query = request.uri.queryParameters
        let type = query["type"].flatMap { EventType(rawValue: String($0)) }
        let tag = query["tag"].map { String($0).trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        let before = query["before"].flatMap { Int64(String($0)) }
        let found = try await store.events(
            of: session.account.id, matching: EventQuery(type: type, tag: tag, before: before, limit: Self.pageSize))
        var data: [String: Any] = [
            "tag": tag ?? "", "filtered": type != nil || tag != nil, "hasEvents": !found.events.isEmpty,
            "types": [["value": "", "label": "Every type", "selected": type == nil]]
                + EventType.allCases.map { ["value": $0.rawValue, "label": $0.rawValue, "selected": $0 == type] },
            "events": found.events.map { event in
                present([
                    "type": event.type.rawValue, "time": DashboardTime.text(event.occurredAt),
                    "recipient": event.variables.field("recipient")?.text ?? "",
                    "tags": event.variables.field("tags").flatMap(Self.strings)?.joined(separator: ", ")
                        .nonEmpty,
                    "machine": event.machineReason,
                    "variables": Self.pretty(event.variables),
                ])
            },
        ]
        if let next = found.next {
            var parts = ["before=\(next)"]
            if let type { parts.append("type=\(type.rawValue)") }
            if let tag {
                parts.append("tag=" + (tag.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            }
            data["more"] = parts.joined(separator: "&")
        }
        return page.render("events", title: "Events", data: data, session: session, navigation: "Events")
    }
}

extension EventPages {
    static func strings(_ value: PayloadValue) -> [String]? {
        guard case .list(let items) = value else { return nil }
        return items.compactMap(\.text)
    }

    /// JSON for people: one member per line, indented, in the payload's own order.
    static func pretty(_ value: PayloadValue, indent: String = "") -> String {
        let inner = indent + "  "
        switch value {
        case .object(let fields) where !fields.isEmpty:
            let members = fields.map {
                inner + JSONPayloadEncoder.encode(.string($0.key)) + ": " + pretty($0.value, indent: inner)
            }
            return "{\n" + members.joined(separator: ",\n") + "\n" + indent + "}"
        case .list(let items) where !items.isEmpty:
            return "[\n" + items.map { inner + pretty($0, indent: inner) }.joined(separator: ",\n") + "\n" + indent
                + "]"
        default:
            return JSONPayloadEncoder.encode(value)
        }
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
