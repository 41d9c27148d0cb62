import Foundation
import Hummingbird
import RicochetCore
import RicochetDelivery
import RicochetStore

/// The Feedback Loops menu: the list, a new loop, and a loop's page with
/// its validation and test tool. Everything goes through ``LoopService``;
/// what it refuses is shown in words next to the field that caused it.
struct LoopPages<Loops: LoopStore & DeliveryStore>: Sendable {
    let service: LoopService<Loops>
    let page: DashboardPage

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("loops", use: list)
        group.get("loops/new", use: new)
        group.post("loops", use: create)
        group.post("loops/check", use: check)
        group.get("loops/{id}", use: show)
        group.get("loops/{id}/validation-file", use: validationFile)
        group.post("loops/{id}/validate", use: validate)
        group.post("loops/{id}/test", use: test)
        group.get("loops/{id}/edit", use: edit)
        group.post("loops/{id}/edit", use: update)
        group.post("loops/{id}/delete", use: delete)
        group.post("loops/{id}/enable", use: enable)
        group.post("loops/{id}/disable", use: disable)
        group.post("loops/{id}/rotate-secret", use: rotateSecret)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await listPage(session: try context.requireDashboard(), checks: nil)
    }

    /// "Check now": every validated loop called at once, each answer shown in the list.
    @Sendable func check(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let check = try await service.checkAll(of: session.account)
        var checks: [String: String] = [:]
        for (loop, outcome) in check.results {
            switch outcome {
            case .success(let response):
                checks[loop.id] = "HTTP \(response.status) in \(response.durationMilliseconds) ms"
            case .failure(let error):
                checks[loop.id] = DashboardPage.sentence(error.message)
            }
        }
        for loop in check.skipped { checks[loop.id] = "Not checked: not validated." }
        return try await listPage(session: session, checks: checks)
    }

    private func listPage(session: DashboardSession, checks: [String: String]?) async throws -> Response {
        let loops = try await service.all(of: session.account)
        let activity = try await service.loops.activity(of: loops.map(\.id), since: Date().addingTimeInterval(-3600))
        let rows = loops.map { loop in
            var row = Self.summary(loop)
            let recent = activity[loop.id] ?? .init()
            row["lastHour"] =
                recent.attempts == 0
                ? "no calls" : "\(recent.succeeded * 100 / recent.attempts)% of \(recent.attempts) succeeded"
            row["waiting"] = recent.waiting
            if let check = checks?[loop.id] { row["check"] = check }
            return row
        }
        return page.render(
            "loops", title: "Feedback loops",
            data: ["hasLoops": !loops.isEmpty, "loops": rows, "checked": checks != nil], session: session,
            navigation: "Loops")
    }

    @Sendable func new(_ request: Request, context: APIRequestContext) async throws -> Response {
        formPage(LoopForm(), loop: nil, session: try context.requireDashboard(), error: nil)
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let form = LoopForm(context.form ?? FormBody(""))
        do {
            let (loop, secret) = try await service.create(try form.checked(), for: session.account)
            context.logger.info("loop created", metadata: ["loop": "\(loop.id)", "account": "\(session.account.id)"])
            return loopPage(
                loop, session: session, extra: ["secret": secret.description],
                notice: "The loop is created. Next: validate its URL.", status: .created)
        } catch let error as APIError {
            return formPage(form, loop: nil, session: session, error: error)
        }
    }

    @Sendable func edit(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let loop = try await loop(context)
        return formPage(LoopForm(loop), loop: loop, session: session, error: nil)
    }

    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let current = try await loop(context)
        let form = LoopForm(context.form ?? FormBody(""))
        do {
            let draft = try form.checked(over: current.delivery)
            let updated = try await service.modify(current.id, of: session.account) { loop in
                if loop.url != draft.url { loop.change(url: draft.url) }
                loop.events = draft.events
                loop.format = draft.format
                loop.description = draft.description
                loop.delivery = draft.delivery
                if form.signing != nil { loop.setSigning(draft.signing) }
            }
            return loopPage(updated, session: session, notice: "Saved.")
        } catch let error as APIError {
            return formPage(form, loop: current, session: session, error: error)
        }
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let loop = try await loop(context)
        guard context.form?["confirm"] == "yes" else {
            return loopPage(
                loop, session: session, extra: ["deleteError": "Tick the box to confirm, then delete."],
                status: .badRequest)
        }
        try await service.delete(loop.id, of: session.account)
        context.logger.info("loop deleted", metadata: ["loop": "\(loop.id)", "account": "\(session.account.id)"])
        return DashboardPage.redirect(to: "/loops")
    }

    @Sendable func enable(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await setEnabled(true, context: context)
    }

    @Sendable func disable(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await setEnabled(false, context: context)
    }

    private func setEnabled(_ enabled: Bool, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let loop = try await service.modify(try context.parameters.require("id"), of: session.account) {
            $0.setEnabled(enabled)
        }
        return loopPage(
            loop, session: session,
            notice: enabled ? "Enabled: events are sent again." : "Disabled: nothing is sent until you enable it.")
    }

    @Sendable func rotateSecret(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let loop = try await loop(context)
        let text = (context.form?["grace_hours"] ?? "24").trimmingCharacters(in: .whitespaces)
        guard let hours = Double(text) else {
            return loopPage(
                loop, session: session, extra: ["rotateError": "The grace period must be a number of hours."],
                status: .badRequest)
        }
        do {
            let (secret, expiry) = try await service.rotateSecret(
                of: loop.id, account: session.account, graceHours: hours)
            return loopPage(
                loop, session: session,
                extra: ["secret": secret.description, "previousUntil": DashboardTime.text(expiry)],
                notice: "A new signing secret. The previous one keeps signing too until \(DashboardTime.text(expiry)).")
        } catch let error as APIError {
            return loopPage(
                loop, session: session, extra: ["rotateError": DashboardPage.sentence(error.message)],
                status: .badRequest)
        }
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        return loopPage(try await loop(context), session: session)
    }

    @Sendable func validationFile(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await loop(context).validationFile.download
    }

    @Sendable func validate(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let (report, loop) = try await service.validate(try context.parameters.require("id"), of: session.account)
        let validation: [String: Any] = [
            "succeeded": report.succeeded,
            "attempts": report.attempts.map { attempt in
                present([
                    "url": attempt.url, "matched": attempt.matched, "explanation": attempt.explanation,
                    "status": attempt.status.map(String.init),
                ])
            },
        ]
        return loopPage(loop, session: session, extra: ["validation": validation])
    }

    @Sendable func test(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let loop = try await loop(context)
        let form = context.form ?? FormBody("")
        var tool = TestTool(form: form)
        if form["action"] == "add-row" {
            tool.rows.append((key: "", value: ""))
            return loopPage(loop, session: session, test: tool)
        }
        do {
            let (body, contentType) = try tool.request(format: loop.format)
            let response = try await service.test(loop, body: body, contentType: contentType)
            tool.result = response
        } catch let error as APIError {
            tool.error = error.message
        }
        return loopPage(loop, session: session, test: tool)
    }

    private func loop(_ context: APIRequestContext) async throws -> FeedbackLoop {
        try await service.loop(try context.parameters.require("id"), of: context.requireDashboard().account)
    }

    /// The create or edit form; `loop` is the one edited.
    private func formPage(_ form: LoopForm, loop: FeedbackLoop?, session: DashboardSession, error: APIError?)
        -> Response
    {
        var data = form.view(error: error)
        let heading = loop == nil ? "New feedback loop" : "Edit feedback loop"
        data["heading"] = heading
        data["action"] = loop.map { "/loops/\($0.id)/edit" } ?? "/loops"
        data["submit"] = loop == nil ? "Create loop" : "Save"
        if let loop {
            data["editing"] = true
            data["id"] = loop.id
            data["currentURL"] = loop.url.absoluteString
        }
        return page.render(
            "loop-form", title: heading, data: data, session: session, status: error == nil ? .ok : .badRequest,
            navigation: "Loops")
    }

    private func loopPage(
        _ loop: FeedbackLoop, session: DashboardSession, extra: [String: Any] = [:], test: TestTool = TestTool(),
        notice: String? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        var data: [String: Any] = [
            "loop": Self.summary(loop), "validated": loop.status == .validated,
            "disabledState": loop.disabled.map { ["since": DashboardTime.text($0.at), "reason": $0.reason] } ?? [:],
            "isDisabled": loop.disabled != nil,
            "enabled": loop.disabled == nil,
            "candidates": loop.validationURLs, "filename": loop.validationFile.filename,
            "defaultContentType": LoopSigning.contentType(loop.format), "test": test.view,
        ]
        data.merge(extra) { _, new in new }
        return page.render(
            "loop", title: loop.url.absoluteString, data: data, session: session, notice: notice, status: status,
            navigation: "Loops")
    }

    /// What the list and a loop's page show of it.
    static func summary(_ loop: FeedbackLoop) -> [String: Any] {
        [
            "id": loop.id, "url": loop.url.absoluteString, "description": loop.description,
            "events": loop.events.sorted().map(\.rawValue).joined(separator: ", "), "format": loop.format.rawValue,
            "status": status(of: loop),
        ]
    }

    /// unvalidated, validated, failing (deliveries failing now), or disabled.
    static func status(of loop: FeedbackLoop) -> String {
        if loop.disabled != nil { return "disabled" }
        if loop.status != .validated { return "unvalidated" }
        return loop.failingSince == nil ? "validated" : "failing"
    }
}

extension APIRequestContext {
    /// The signed-in browser's session; pages behind the authenticator always have one.
    func requireDashboard() throws -> DashboardSession {
        guard let dashboard else { throw HTTPError(.unauthorized) }
        return dashboard
    }
}
