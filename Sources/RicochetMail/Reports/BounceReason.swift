/// Why a delivery failed, in the categories bounce analysers share (the
/// names are Sisimai's, so figures compare across tools).
public enum BounceReason: String, Sendable, CaseIterable {
    case blocked, contenterror, delivered, exceedlimit, expired, feedback, filtered, hasmoved, hostunknown
    case mailboxfull, mailererror, mesgtoobig, networkerror, norelaying, notaccept, onhold, policyviolation
    case rejected, securityerror, spamdetected, suspend, syntaxerror, systemerror, systemfull, toomanyconn
    case undefined, userunknown, vacation, virusdetected

    /// Whether sending again is pointless: the address or domain does not
    /// exist or has moved, or the receiver said so with a 5xx while not
    /// accepting mail at all. Everything else may pass later.
    public func isHard(status: String?, code: Int?) -> Bool {
        switch self {
        case .userunknown, .hostunknown, .hasmoved: return true
        case .notaccept: return (code.map { $0 >= 500 } ?? false) || status?.hasPrefix("5") == true
        case .undefined, .onhold:
            return status?.hasPrefix("5") == true || (status == nil && (code.map { $0 >= 500 } ?? false))
        default: return false
        }
    }
}
