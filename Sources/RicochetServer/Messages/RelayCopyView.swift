import Foundation
import RicochetStore

/// A relayed message's copy as the API answers it: where it stands, the
/// smarthost's last answer, and when it is next tried.
struct RelayCopyView: Encodable {
    struct Reply: Encodable {
        let code: Int
        let enhanced: String?
        let text: String
    }

    let id: String
    let submission: String
    let state: String
    let attempts: Int
    let lastReply: Reply?
    /// While queued or deferred.
    let nextAttemptAt: Date?
    let expiresAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, submission, state, attempts
        case lastReply = "last_reply"
        case nextAttemptAt = "next_attempt_at"
        case expiresAt = "expires_at"
        case updatedAt = "updated_at"
    }

    init(_ copy: RelayCopy) {
        id = copy.id
        submission = copy.submissionID
        state = copy.state.rawValue
        attempts = copy.attempts
        lastReply = copy.lastReply.map { Reply(code: $0.code, enhanced: $0.enhanced, text: $0.text) }
        nextAttemptAt = copy.status == .queued ? copy.dueAt : nil
        expiresAt = copy.expiresAt
        updatedAt = copy.updatedAt
    }
}
