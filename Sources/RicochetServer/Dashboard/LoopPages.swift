import Foundation
import Hummingbird
import RicochetCore
import RicochetDelivery
import RicochetStore

/// The Feedback Loops menu: the list, a new loop, and a loop's page with
/// its validation and test tool. Everything goes through ``LoopService``;
/// what it refuses is shown in words next to the field that caused it.
struct LoopPages<Loops: LoopStore>: Sendable {
    let service: LoopService<Loops>
    let page: DashboardPage

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("loops", use: list)
        group.get("loops/new", use: new)
        group.post("loops", use: create)
        group.get("loops/{id}", use: show)
        group.get("loops/{id}/validation-file", use: validationFile)
        group.post("loops/{id}/validate", use: validate)
        group.post("loops/{id}/test", use: test)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let loops = try await service.all(of: session.account)
        return page.render(
            "loops", title: "Feedback loops",
            data: ["hasLoops": !loops.isEmpty, "loops": loops.map(Self.summary)], session: session,
            navigation: "Loops")
    }

    @Sendable func new(_ request: Request, context: APIRequestContext) async throws -> Response {
        newPage(session: try context.requireDashboard(), form: nil, error: nil)
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let form = context.form ?? FormBody("")
        do {
            let draft = LoopService<Loops>.Draft(
                url: try LoopInput.url(form["url"] ?? ""),
                events: try LoopInput.events(form.all("events")),
                format: try LoopInput.format(form["format"] ?? "form"),
                description: try LoopInput.description(form["description"] ?? ""))
            let (loop, secret) = try await service.create(draft, for: session.account)
            context.logger.info("loop created", metadata: ["loop": "\(loop.id)", "account": "\(session.account.id)"])
            return loopPage(
                loop, session: session, extra: ["secret": secret.description],
                notice: "The loop is created. Next: validate its URL.", status: .created)
        } catch let error as APIError {
            return newPage(session: session, form: form, error: error, status: .badRequest)
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

    private func newPage(
        session: DashboardSession, form: FormBody?, error: APIError?, status: HTTPResponse.Status = .ok
    ) -> Response {
        let chosen = Set(form?.all("events") ?? ["open", "click"])
        var data: [String: Any] = [
            "url": form?["url"] ?? "", "description": form?["description"] ?? "",
            "events": EventType.allCases.map { ["name": $0.rawValue, "checked": chosen.contains($0.rawValue)] },
            "formForm": (form?["format"] ?? "form") == "form", "formJSON": form?["format"] == "json",
        ]
        if let error {
            switch error.code {
            case "invalid_url": data["urlError"] = error.message
            case "invalid_events": data["eventsError"] = error.message
            case "invalid_description": data["descriptionError"] = error.message
            default: data["error"] = error.message
            }
        }
        return page.render(
            "loop-new", title: "New feedback loop", data: data, session: session, status: status,
            navigation: "Loops")
    }

    private func loopPage(
        _ loop: FeedbackLoop, session: DashboardSession, extra: [String: Any] = [:], test: TestTool = TestTool(),
        notice: String? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        var data: [String: Any] = [
            "loop": Self.summary(loop), "validated": loop.status == .validated,
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
