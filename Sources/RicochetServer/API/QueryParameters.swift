import Hummingbird

/// The checks every listing's query string shares.
extension Parameters {
    /// Refuses a parameter not in `known` (400 `unknown_field`, naming those accepted).
    func requireOnly(_ known: Set<String>) throws {
        if let unknown = map({ String($0.key) }).first(where: { !known.contains($0) }) {
            throw APIError.badRequest(
                "unknown parameter '\(unknown)'; accepted: \(known.sorted().joined(separator: ", "))",
                code: "unknown_field")
        }
    }

    /// `limit`: a number from 1 to `maximum`, or `fallback` when it is left
    /// out (400 `invalid_field` otherwise).
    func limit(maximum: Int, default fallback: Int = 100) throws -> Int {
        guard let text = self["limit"] else { return fallback }
        guard let value = Int(text), (1...maximum).contains(value) else {
            throw APIError.badRequest("limit must be a number from 1 to \(maximum)", code: "invalid_field")
        }
        return value
    }
}
