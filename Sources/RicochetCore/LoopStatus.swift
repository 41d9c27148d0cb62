/// Where a feedback loop stands. Nothing is ever sent to a loop that is not validated.
public enum LoopStatus: String, Codable, Sendable {
    /// The URL's owner has not yet proved ownership with the validation file.
    case unvalidated
    /// The validation file was found at one of the candidate locations.
    case validated
}
