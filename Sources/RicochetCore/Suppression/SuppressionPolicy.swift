import Foundation

/// Decides whether a signal about an address puts it on the account's
/// suppression list. Plain rules, no I/O: the caller reads what they need
/// (the entry in force, the soft bounces within the window) and writes what
/// they say.
public enum SuppressionPolicy {
    public enum Decision: Sendable, Equatable {
        /// Nothing to write (an entry is in force already).
        case none
        /// Count the soft bounce; not yet past the limit.
        case countSoftBounce
        /// Put the address on the list for this reason (a soft bounce past
        /// the limit is counted as a hard bounce: the address keeps failing).
        case suppress(SuppressionReason)
    }

    /// - Parameters:
    ///   - inForce: whether the address has an entry in force already; a new
    ///     signal then changes nothing (an unsubscribe stays an unsubscribe
    ///     when a bounce follows, and the first cause stays the one shown).
    ///   - softBounces: the address's soft bounces within the window,
    ///     this one included.
    public static func decide(
        _ signal: SuppressionSignal, inForce: Bool, softBounces: Int, settings: SuppressionSettings
    ) -> Decision {
        guard !inForce else { return .none }
        switch signal {
        case .hardBounce: return .suppress(.hardBounce)
        case .complaint: return .suppress(.complaint)
        case .unsubscribe: return .suppress(.unsubscribe)
        case .softBounce: return softBounces >= settings.softBounceLimit ? .suppress(.hardBounce) : .countSoftBounce
        }
    }

    /// The start of the window soft bounces are counted in.
    public static func windowStart(at now: Date, settings: SuppressionSettings) -> Date {
        now.addingTimeInterval(-Double(settings.softBounceDays) * 86400)
    }
}
