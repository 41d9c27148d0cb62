/// How a feedback loop wants its POST bodies encoded.
public enum PayloadFormat: String, CaseIterable, Codable, Sendable {
    /// `application/x-www-form-urlencoded`, PHP style: PHP's `$_POST` parses it as is.
    case form
    /// `application/json`.
    case json

    public var contentType: String {
        switch self {
        case .form: "application/x-www-form-urlencoded"
        case .json: "application/json"
        }
    }
}
