import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// A delivery as the API shows it; with its attempts on its own page.
struct DeliveryView: ResponseEncodable {
    struct Attempt: Encodable {
        let startedAt: Date
        let durationMs: Int
        let status: Int?
        let errorClass: String?
        let error: String?
        let responseHeaders: [[String]]
        let responseBody: String
        let requestHeaders: [[String]]

        enum CodingKeys: String, CodingKey {
            case status, error
            case requestHeaders = "request_headers"
            case startedAt = "started_at"
            case durationMs = "duration_ms"
            case errorClass = "error_class"
            case responseHeaders = "response_headers"
            case responseBody = "response_body"
        }
    }

    let id: String
    let loop: String
    let event: String
    let eventType: String
    let webhookID: String
    let status: String
    let attempts: Int
    let nextAttemptAt: Date?
    let lastStatus: Int?
    let lastError: String?
    let createdAt: Date
    let updatedAt: Date
    let contentType: String
    /// The exact bytes sent (as text), once the first attempt fixed them.
    let body: String?
    let attemptLog: [Attempt]?

    enum CodingKeys: String, CodingKey {
        case id, loop, event, status, attempts, body
        case eventType = "event_type"
        case webhookID = "webhook_id"
        case nextAttemptAt = "next_attempt_at"
        case lastStatus = "last_status"
        case lastError = "last_error"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case contentType = "content_type"
        case attemptLog = "attempt_log"
    }

    init(_ delivery: DeliveryRecord, attempts: [DeliveryAttempt]?) {
        id = delivery.id
        loop = delivery.loopID
        event = delivery.eventID
        eventType = delivery.eventType.rawValue
        webhookID = delivery.webhookID
        status = delivery.status.rawValue
        self.attempts = delivery.attempts
        nextAttemptAt = delivery.dueAt
        lastStatus = delivery.lastStatus
        lastError = delivery.lastError
        createdAt = delivery.createdAt
        updatedAt = delivery.updatedAt
        contentType = delivery.format.contentType
        body = delivery.body.map { String(decoding: $0, as: UTF8.self) }
        attemptLog = attempts?.map { attempt in
            Attempt(
                startedAt: attempt.startedAt, durationMs: attempt.durationMilliseconds, status: attempt.status,
                errorClass: attempt.errorClass, error: attempt.error,
                responseHeaders: attempt.responseHeaders.map { [$0.name, $0.value] },
                responseBody: String(decoding: attempt.responseBody, as: UTF8.self),
                requestHeaders: attempt.requestHeaders.map { [$0.name, $0.value] })
        }
    }
}
