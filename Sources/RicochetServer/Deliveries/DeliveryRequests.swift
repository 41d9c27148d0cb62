import Foundation
import Hummingbird
import RicochetCore

/// A time in a request body: Unix seconds (a number, 1970 to year 9999), or
/// an RFC 3339 string (one outside those years is taken as the nearer end).
struct TimeValue: Decodable, Sendable {
    let date: Date

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Double.self), RFC3339.representable.contains(seconds) {
            date = Date(timeIntervalSince1970: seconds)
        } else if let text = try? container.decode(String.self), let parsed = RFC3339.parse(text) {
            date = RFC3339.clamped(parsed)
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
