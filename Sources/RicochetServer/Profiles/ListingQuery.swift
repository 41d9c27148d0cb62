import Foundation
import Hummingbird

/// The query of a profile or subprofile listing: `fields[NAME]=VALUE`
/// filters (all must match), `limit` and the `after` cursor.
struct ListingQuery {
    static let maximumLimit = 1000

    var fields: [String: String] = [:]
    var limit = 100
    var after: String?

    init(_ request: Request) throws {
        for (key, value) in request.uri.queryParameters {
            // Brackets arrive percent-encoded from most clients.
            let name = String(key).removingPercentEncoding ?? String(key)
            if name.hasPrefix("fields["), name.hasSuffix("]"), name.count > 8 {
                fields[String(name.dropFirst(7).dropLast())] = String(value)
            } else if name == "limit", let number = Int(value), (1...Self.maximumLimit).contains(number) {
                limit = number
            } else if name == "after" {
                after = String(value)
            } else {
                throw APIError.badRequest(
                    "unknown or invalid parameter '\(name)'; use fields[NAME]=VALUE, limit (1 to \(Self.maximumLimit)) and after",
                    code: "unknown_field")
            }
        }
    }
}
