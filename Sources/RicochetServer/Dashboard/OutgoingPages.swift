import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// The relay's queue: every copy of the account by state, newest first,
/// with the smarthost's last answer and the next try; a copy that waits can
/// be tried now or dropped.
struct OutgoingPages<Store: RelayQueueStore & RecordingStore>: Sendable {
    let store: Store
    let actions: RelayQueueActions<Store>
    /// Whether this node runs the relay (the page says so when it does not).
    let relayOn: Bool
    let page: DashboardPage

    static var pageSize: Int { 50 }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("outgoing", use: list)
        group.post("outgoing/{id}/retry", use: retry)
        group.post("outgoing/{id}/drop", use: drop)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let query = request.uri.queryParameters
        let state = query["state"].flatMap { RelayCopyState(rawValue: String($0)) }
        return try await listPage(
            session: session, state: state, after: query["after"].map(String.init), notice: nil)
    }

    @Sendable func retry(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let id = try context.parameters.require("id")
        let done = try await actions.retry(id, account: session.account.id)
        return try await listPage(
            session: session, state: nil, after: nil,
            notice: done ? "Copy \(id) is tried again now." : "Copy \(id) is not waiting (any more); nothing to retry.")
    }

    @Sendable func drop(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let id = try context.parameters.require("id")
        let done = try await actions.drop(id, account: session.account.id)
        return try await listPage(
            session: session, state: nil, after: nil,
            notice: done
                ? "Copy \(id) is dropped: it will not be sent, and the loops get a failure event."
                : "Copy \(id) is not waiting (any more); nothing to drop.")
    }

    private func listPage(session: DashboardSession, state: RelayCopyState?, after: String?, notice: String?)
        async throws -> Response
    {
        let account = session.account.id
        let counts = try await store.relayCopyCounts(of: account)
        let fetched = try await store.relayCopies(of: account, state: state, after: after, limit: Self.pageSize + 1)
        let shown = fetched.prefix(Self.pageSize)
        let states: [RelayCopyState] = [.queued, .deferred, .sending, .sent, .failed]
        var data: [String: Any] = [
            "relayOn": relayOn, "filtered": state != nil, "hasCopies": !shown.isEmpty,
            "counts": states.map { ["state": $0.rawValue, "count": counts[$0] ?? 0] as [String: Any] },
            "states": ([("", "Every state")] + states.map { ($0.rawValue, $0.rawValue) }).map { value, label in
                ["value": value, "label": label, "selected": value == (state?.rawValue ?? "")] as [String: Any]
            },
            "copies": shown.map { copy in
                present([
                    "id": copy.id, "message": copy.messageID.description, "recipient": copy.recipient,
                    "state": copy.state.rawValue, "attempts": copy.attempts, "oneAttempt": copy.attempts == 1,
                    "lastAnswer": copy.lastReply.map { reply in
                        ([String(reply.code), reply.enhanced].compactMap { $0 } + [reply.text]).joined(separator: " ")
                    },
                    "next": copy.status == .queued ? DashboardTime.text(copy.dueAt) : nil,
                    "expires": DashboardTime.text(copy.expiresAt), "updated": DashboardTime.text(copy.updatedAt),
                    "waiting": copy.status == .queued,
                ])
            },
        ]
        if fetched.count > Self.pageSize, let last = shown.last {
            data["more"] = "after=\(last.id)" + (state.map { "&state=\($0.rawValue)" } ?? "")
        }
        return page.render(
            "outgoing", title: "Outgoing", data: data, session: session, notice: notice, navigation: "Outgoing")
    }
}
