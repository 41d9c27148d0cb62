import Foundation

/// The relay (`--submission`, `--smarthost` and theirs): where applications
/// submit mail, and where the copies go.
public struct RelayConfiguration: Sendable {
    public var submission: AppConfiguration.SMTPAddress
    /// AUTH offered without TLS (local development only).
    public var authenticationInClear = false
    public var smarthost: Smarthost
    /// How long a copy is tried before it fails (`--relay-expire-hours`).
    public var expiry: TimeInterval = 3 * 86400
    public var maximumRecipients = 1000
    public var maximumMessageBytes = 25 * 1024 * 1024

    public init(submission: AppConfiguration.SMTPAddress, smarthost: Smarthost) {
        self.submission = submission
        self.smarthost = smarthost
    }
}
