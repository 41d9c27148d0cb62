import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// A loop's delivery log, one delivery with the exact request and every
/// answer, and sending again: one delivery, the failed ones since a time,
/// or every event of a window.
struct DeliveryPages<Store: DeliveryStore & LoopStore>: Sendable {
    let store: Store
    let loops: LoopService<Store>
    let service: DeliveryService<Store>
    let page: DashboardPage

    static var pageSize: Int { 50 }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("loops/{id}/deliveries", use: list)
        group.post("loops/{id}/recover", use: recover)
        group.post("loops/{id}/replay", use: replay)
        group.get("deliveries/{id}", use: show)
        group.post("deliveries/{id}/retry", use: retry)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let loop = try await loops.loop(try context.parameters.require("id"), of: session.account)
        return try await logPage(loop, request: request, session: session)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let id = try context.parameters.require("id")
        guard let (delivery, attempts) = try await store.delivery(id, account: session.account.id) else {
            throw APIError.notFound("delivery \(id)")
        }
        let loop = try await loops.loop(delivery.loopID, of: session.account)
        let last = attempts.last { !$0.requestHeaders.isEmpty }
        let data: [String: Any] = [
            "loop": LoopPages<Store>.summary(loop),
            "delivery": present([
                "id": delivery.id, "type": delivery.eventType.rawValue, "status": delivery.status.rawValue,
                "attempts": delivery.attempts, "webhookID": delivery.webhookID,
                "next": delivery.dueAt.map(DashboardTime.text),
                "body": delivery.body.map { String(decoding: $0, as: UTF8.self) } ?? "(not sent yet)",
            ]),
            "vowel": "aeiou".contains(delivery.eventType.rawValue.first ?? "x"),
            "request": (last?.requestHeaders ?? [.init(name: "Content-Type", value: delivery.format.contentType)])
                .map { ["name": $0.name, "value": $0.value] },
            "hasAttempts": !attempts.isEmpty,
            "attempts": attempts.map { attempt in
                present([
                    "status": attempt.status.map(String.init),
                    "ok": attempt.status.map { (200..<300).contains($0) } ?? false,
                    "started": DashboardTime.text(attempt.startedAt), "duration": attempt.durationMilliseconds,
                    "error": attempt.error, "hasResponse": attempt.status != nil,
                    "headers": attempt.responseHeaders.map { ["name": $0.name, "value": $0.value] },
                    "body": String(decoding: attempt.responseBody, as: UTF8.self),
                ])
            },
        ]
        return page.render(
            "delivery", title: "Delivery \(delivery.id)", data: data, session: session, navigation: "Loops")
    }

    @Sendable func retry(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        _ = try await service.retry(id, account: try context.requireDashboard().account)
        return DashboardPage.redirect(to: "/deliveries/\(id)")
    }

    @Sendable func recover(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await resend(context) { loop, account, form in
            guard let since = form["since"].flatMap(DashboardTime.parse) else {
                throw APIError.badRequest("Give the time from which failed deliveries are sent again.", code: "")
            }
            let count = try await service.recover(loop: loop.id, account: account, since: since)
            return "\(count) failed \(count == 1 ? "delivery" : "deliveries") queued again."
        }
    }

    @Sendable func replay(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await resend(context) { loop, account, form in
            guard let since = form["since"].flatMap(DashboardTime.parse),
                let until = form["until"].flatMap(DashboardTime.parse)
            else {
                throw APIError.badRequest("Give both ends of the window whose events are sent again.", code: "")
            }
            let count = try await service.replay(loop: loop.id, account: account, since: since, until: until)
            return "\(count) \(count == 1 ? "event" : "events") queued to be sent again."
        }
    }

    /// Runs a form that queues deliveries again, then shows the log with what it did (or why not).
    private func resend(
        _ context: APIRequestContext,
        _ action: (FeedbackLoop, Account, FormBody) async throws -> String
    ) async throws -> Response {
        let session = try context.requireDashboard()
        let loop = try await loops.loop(try context.parameters.require("id"), of: session.account)
        do {
            let notice = try await action(loop, session.account, context.form ?? FormBody(""))
            return try await logPage(loop, request: nil, session: session, notice: notice)
        } catch let error as APIError {
            return try await logPage(loop, request: nil, session: session, error: DashboardPage.sentence(error.message))
        }
    }

    private func logPage(
        _ loop: FeedbackLoop, request: Request?, session: DashboardSession, notice: String? = nil,
        error: String? = nil
    ) async throws -> Response {
        let query = request?.uri.queryParameters
        let status = query?["status"].flatMap { DeliveryStatus(rawValue: String($0)) }
        let before = query?["before"].flatMap { Int64(String($0)) }
        let fetched = try await store.deliveries(
            of: loop.id, account: session.account.id, status: status, before: before, limit: Self.pageSize + 1)
        let shown = fetched.prefix(Self.pageSize)
        var more: String?
        if fetched.count > Self.pageSize, let last = shown.last {
            more = "before=\(last.seq)" + (status.map { "&status=\($0.rawValue)" } ?? "")
        }
        var data: [String: Any] = [
            "loop": LoopPages<Store>.summary(loop), "hasDeliveries": !shown.isEmpty, "filtered": status != nil,
            "statuses": ([("", "Every status")] + DeliveryStatus.allCases.map { ($0.rawValue, $0.rawValue) }).map {
                value, label in
                ["value": value, "label": label, "selected": value == (status?.rawValue ?? "")] as [String: Any]
            },
            "deliveries": shown.map { delivery in
                [
                    "id": delivery.id, "created": DashboardTime.text(delivery.createdAt),
                    "type": delivery.eventType.rawValue, "status": delivery.status.rawValue,
                    "attempts": delivery.attempts,
                    "lastAnswer": delivery.lastStatus.map { "HTTP \($0)" } ?? delivery.lastError ?? "",
                    "duration": delivery.lastDurationMilliseconds.map { "\($0) ms" } ?? "",
                    "next": delivery.dueAt.map(DashboardTime.text) ?? "",
                ] as [String: Any]
            },
            "dayAgo": DashboardTime.input(Date().addingTimeInterval(-86400)),
            "now": DashboardTime.input(Date().addingTimeInterval(60)),
        ]
        if let more { data["more"] = more }
        if let error { data["error"] = error }
        return page.render(
            "deliveries", title: "Delivery log", data: data, session: session, notice: notice, navigation: "Loops")
    }
}
