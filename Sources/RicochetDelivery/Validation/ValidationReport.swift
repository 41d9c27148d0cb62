/// What happened at one candidate location of a validation file.
public struct ValidationAttempt: Sendable {
    public let url: String
    /// The HTTP status, when the server answered.
    public let status: Int?
    /// The first bytes of what came back, as text.
    public let excerpt: String?
    /// Why nothing came back, when nothing did.
    public let error: OutboundError?
    public let matched: Bool
    /// One sentence on the outcome, for people.
    public let explanation: String
}

/// The outcome of looking for a loop's validation file.
public struct ValidationReport: Sendable {
    public let attempts: [ValidationAttempt]

    public var succeeded: Bool { attempts.contains(where: \.matched) }
}
