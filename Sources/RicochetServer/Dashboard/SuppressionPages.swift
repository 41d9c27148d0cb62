import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// The account's suppression list in the dashboard: search by address,
/// filter by reason, add an address by hand (until a date, or for good),
/// remove one, download the whole list as CSV. Each change is a
/// `suppression.create` or `suppression.delete` event, as through the API.
struct SuppressionPages<Store: SuppressionStore & AccountSettingsStore>: Sendable {
    let store: Store
    let page: DashboardPage

    static var pageSize: Int { 50 }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("suppressions", use: list)
        group.get("suppressions.csv", use: csv)
        group.post("suppressions", use: add)
        group.post("suppressions/remove", use: remove)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        let query = request.uri.queryParameters
        return try await listPage(
            session: session, address: query["address"].map(String.init) ?? "",
            reason: query["reason"].flatMap { SuppressionReason(rawValue: String($0)) },
            before: query["before"].map(String.init), notice: nil)
    }

    @Sendable func add(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        var request = request
        let form = try await FormBody.read(&request)
        let written = (form["address"] ?? "").trimmingCharacters(in: .whitespaces)
        guard let address = SuppressedAddress.normalised(written) else {
            return try await listPage(
                session: session, address: "", reason: nil, before: nil,
                notice: "“\(written.prefix(100))” is not an email address; nothing was added.", status: .badRequest)
        }
        var expiresAt: Date?
        if let day = form["expires"], !day.isEmpty {
            guard let date = RFC3339.parse(day + "T00:00:00Z"), date > Date() else {
                return try await listPage(
                    session: session, address: "", reason: nil, before: nil,
                    notice: "The end date must be a day after today; nothing was added.", status: .badRequest)
            }
            expiresAt = date
        }
        let entry = StoredSuppression(
            address: address, account: session.account.id, reason: .manual, eventID: nil, now: Date(),
            expiresAt: expiresAt)
        try await store.suppress(entry, event: entry.creationEvent())
        return try await listPage(
            session: session, address: "", reason: nil, before: nil, notice: "\(address) is on the list now.")
    }

    @Sendable func remove(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        var request = request
        let form = try await FormBody.read(&request)
        let address = SuppressedAddress.normalised(form["address"] ?? "")
        var removed: StoredSuppression?
        if let address {
            removed = try await store.deleteSuppression(of: address, account: session.account.id, now: Date())
        }
        return try await listPage(
            session: session, address: "", reason: nil, before: nil,
            notice: removed != nil
                ? "\(address ?? "") is off the list: mail to it goes out again."
                : "That address was not on the list (any more).")
    }

    /// The whole list, as the API's export writes it.
    @Sendable func csv(_ request: Request, context: APIRequestContext) async throws -> Response {
        let session = try context.requireDashboard()
        var text = ""
        try await SuppressionCSV.export(from: store, account: session.account.id) { text += $0 }
        var headers = DashboardPage.headers
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"suppressions.csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private func listPage(
        session: DashboardSession, address: String, reason: SuppressionReason?, before: String?, notice: String?,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let account = session.account.id
        let settings = try await store.settings(of: account).suppression
        let searched = !address.trimmingCharacters(in: .whitespaces).isEmpty
        var entries: [StoredSuppression]
        var more: String?
        if searched {
            entries = []
            if let key = SuppressedAddress.normalised(address.trimmingCharacters(in: .whitespaces)),
                let entry = try await store.suppression(of: key, account: account, at: Date())
            {
                entries = [entry]
            }
        } else {
            let fetched = try await store.suppressions(
                of: account, reason: reason, before: before, limit: Self.pageSize + 1)
            entries = Array(fetched.prefix(Self.pageSize))
            if fetched.count > Self.pageSize, let last = entries.last {
                more = "before=\(last.id)" + (reason.map { "&reason=\($0.rawValue)" } ?? "")
            }
        }
        var data: [String: Any] = [
            "address": address, "searched": searched, "filtered": reason != nil, "hasEntries": !entries.isEmpty,
            "softBounceLimit": settings.softBounceLimit, "softBounceDays": settings.softBounceDays,
            "reasons": ([("", "Every reason")] + SuppressionReason.allCases.map { ($0.rawValue, $0.rawValue) }).map {
                value, label in
                ["value": value, "label": label, "selected": value == (reason?.rawValue ?? "")] as [String: Any]
            },
            "entries": entries.map { entry in
                present([
                    "address": entry.address, "reason": entry.reason.rawValue, "event": entry.eventID,
                    "created": DashboardTime.text(entry.createdAt), "expires": entry.expiresAt.map(DashboardTime.text),
                ])
            },
        ]
        data["more"] = more
        return page.render(
            "suppressions", title: "Suppression list", data: data, session: session, notice: notice, status: status,
            navigation: "Suppressions")
    }
}
