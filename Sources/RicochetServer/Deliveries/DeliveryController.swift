import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// The delivery log: a loop's deliveries, one delivery with every attempt,
/// and sending one again.
struct DeliveryController<Deliveries: DeliveryStore & LoopStore>: Sendable {
    let store: Deliveries
    let service: DeliveryService<Deliveries>

    static var maximumLimit: Int { 1000 }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("loops/{id}/deliveries", use: list)
        group.get("deliveries/{id}", use: show)
        group.post("deliveries/{id}/retry", use: retry)
        group.post("loops/{id}/recover", use: recover)
        group.post("loops/{id}/replay", use: replay)
    }

    /// Queues again the loop's failed deliveries made since `since`.
    @Sendable func recover(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<QueuedView> {
        let input = try await request.decodeJSON(as: RecoverRequest.self, context: context)
        let loop = try context.parameters.require("id")
        let count = try await service.recover(loop: loop, account: context.requireAccount(), since: input.since.date)
        context.logger.info("deliveries recovered", metadata: ["loop": "\(loop)", "count": "\(count)"])
        return EditedResponse(status: .accepted, response: QueuedView(queued: count))
    }

    /// Sends the loop's events of a window again, each with its webhook-id.
    @Sendable func replay(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<QueuedView> {
        let input = try await request.decodeJSON(as: ReplayRequest.self, context: context)
        let loop = try context.parameters.require("id")
        let count = try await service.replay(
            loop: loop, account: context.requireAccount(), since: input.since.date, until: input.until?.date ?? Date())
        context.logger.info("events replayed", metadata: ["loop": "\(loop)", "count": "\(count)"])
        return EditedResponse(status: .accepted, response: QueuedView(queued: count))
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> PageView<DeliveryView> {
        let account = try context.requireAccount()
        let loop = try context.parameters.require("id")
        guard try await store.loop(loop, of: account.id) != nil else { throw APIError.notFound("loop \(loop)") }
        let parameters = request.uri.queryParameters
        let known: Set<String> = ["status", "before", "limit"]
        try parameters.requireOnly(known)
        let status = try parameters["status"].map { text in
            guard let status = DeliveryStatus(rawValue: String(text)) else {
                let names = DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError.badRequest("status must be one of: \(names)", code: "invalid_field")
            }
            return status
        }
        let limit = try parameters.limit(maximum: Self.maximumLimit)
        let before = try parameters["before"].map { text in
            guard let value = PageCursor.parse(text) else {
                throw APIError.badRequest("before must be the 'next' value of a previous page", code: "invalid_field")
            }
            return value
        }
        let page = try await store.deliveries(
            of: loop, account: account.id, status: status, before: before, limit: limit + 1)
        return PageView(
            "deliveries", fetched: page, limit: limit, item: { DeliveryView($0, attempts: nil) },
            cursor: { String($0.seq) })
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> DeliveryView {
        let account = try context.requireAccount()
        let id = try context.parameters.require("id")
        guard let (delivery, attempts) = try await store.delivery(id, account: account.id) else {
            throw APIError.notFound("delivery \(id)")
        }
        return DeliveryView(delivery, attempts: attempts)
    }

    @Sendable func retry(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<DeliveryView> {
        let (delivery, attempts) = try await service.retry(
            try context.parameters.require("id"), account: context.requireAccount())
        return EditedResponse(status: .accepted, response: DeliveryView(delivery, attempts: attempts))
    }
}
