import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body as the browser sent it: the
/// pairs in order, repeated names kept (a table of rows sends `key` and
/// `value` once per row).
struct FormBody: Sendable {
    static let maximumBytes = 1024 * 1024

    let pairs: [(name: String, value: String)]

    init(_ text: String) {
        pairs = text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decode(parts[0]), parts.count > 1 ? Self.decode(parts[1]) : "")
        }
    }

    /// Reads a request's form body; anything else (or too much) answers 400/413.
    static func read(_ request: inout Request) async throws -> FormBody {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw HTTPError(.unsupportedMediaType, message: "forms are sent as application/x-www-form-urlencoded")
        }
        let buffer = try await request.collectBody(limit: maximumBytes)
        return FormBody(String(buffer: buffer))
    }

    /// The first value of `name`, if sent.
    subscript(_ name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every value of `name`, in order.
    func all(_ name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
