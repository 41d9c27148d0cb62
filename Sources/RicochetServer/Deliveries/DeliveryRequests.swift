import Foundation
import Hummingbird
import RicochetCore

/// A time in a request body: Unix seconds (a number), or an RFC 3339 string.
struct TimeValue: Decodable, Sendable {
    let date: Date

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Double.self), seconds.isFinite {
            date = Date(timeIntervalSince1970: seconds)
        } else if let text = try? container.decode(String.self), let parsed = RFC3339.parse(text) {
            date = parsed
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "must be an RFC 3339 time or Unix seconds")
        }
    }
}

/// `POST /api/v1/loops/{id}/recover`.
struct RecoverRequest: StrictJSONBody {
    static let fields: Set<String> = ["since"]
    let since: TimeValue
}

/// `POST /api/v1/loops/{id}/replay`; `until` defaults to now.
struct ReplayRequest: StrictJSONBody {
    static let fields: Set<String> = ["since", "until"]
    let since: TimeValue
    let until: TimeValue?
}

struct QueuedView: ResponseEncodable {
    let queued: Int
}
