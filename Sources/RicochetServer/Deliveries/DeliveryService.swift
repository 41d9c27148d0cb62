import Foundation
import RicochetCore
import RicochetStore

/// Sending deliveries again, whoever asks (the API and the dashboard):
/// one delivery, a loop's failed ones since a time, or its events of a
/// window. Nothing goes to a loop that is not validated.
struct DeliveryService<Store: DeliveryStore & LoopStore>: Sendable {
    let store: Store
    /// Wakes the dispatcher for deliveries made due now.
    let deliveriesQueued: @Sendable () -> Void

    /// Queues the delivery to go out now; 404 when it is not the account's,
    /// 409 while it is being sent.
    func retry(_ id: String, account: Account) async throws -> (DeliveryRecord, [DeliveryAttempt]) {
        guard try await store.retry(id, account: account.id, now: Date()) else {
            guard try await store.delivery(id, account: account.id) != nil else {
                throw APIError.notFound("delivery \(id)")
            }
            throw APIError(.conflict, code: "in_progress", message: "the delivery is being sent right now")
        }
        deliveriesQueued()
        guard let found = try await store.delivery(id, account: account.id) else {
            throw APIError.notFound("delivery \(id)")
        }
        return found
    }

    /// Queues again the loop's failed deliveries made since `since`; returns how many.
    func recover(loop id: String, account: Account, since: Date) async throws -> Int {
        let loop = try await deliverableLoop(id, account: account)
        let count = try await store.recover(loop: loop.id, account: account.id, since: since, now: Date())
        deliveriesQueued()
        return count
    }

    /// Sends the loop's events of the window again, each with its webhook-id; returns how many.
    func replay(loop id: String, account: Account, since: Date, until: Date) async throws -> Int {
        let loop = try await deliverableLoop(id, account: account)
        guard since < until else {
            throw APIError.unprocessable(
                "the window's start must come before its end (since before until)", code: "invalid_range")
        }
        let count = try await store.replay(loop: loop.id, account: account.id, since: since, until: until, now: Date())
        deliveriesQueued()
        return count
    }

    /// The account's loop, which must be validated: nothing goes to an unproven URL.
    private func deliverableLoop(_ id: String, account: Account) async throws -> FeedbackLoop {
        guard let loop = try await store.loop(id, of: account.id) else { throw APIError.notFound("loop \(id)") }
        guard loop.status == .validated else {
            throw APIError(
                .conflict, code: "loop_not_validated",
                message: "loop \(id) is not validated; nothing is sent to a URL before its owner is proven")
        }
        return loop
    }
}
