import Foundation
import RicochetCore

/// What one attempt's answer means: for the delivery (done or not), for the
/// loop (gone, or its receiver overloaded) and for the throttle.
public struct AttemptVerdict: Sendable, Equatable {
    public let succeeded: Bool
    /// 410 Gone: the receiver asks never to be called again.
    public let gone: Bool
    public let throttle: LoopThrottle.Outcome
    /// The receiver's `Retry-After`, in seconds from now, capped at a day.
    public let retryAfter: Double?

    public static let longestRetryAfter: Double = 86400

    /// No request was made (nothing readable to send): says nothing about the receiver.
    public static let notSent = AttemptVerdict(succeeded: false, gone: false, throttle: .success, retryAfter: nil)

    /// Success is a 2xx answer; a redirect is a failure like any other.
    public static func of(status: Int?, retryAfterHeader: String?, errorKind: OutboundError.Kind?, now: Date)
        -> AttemptVerdict
    {
        guard let status else {
            let timedOut = errorKind == .timeout
            return AttemptVerdict(
                succeeded: false, gone: false, throttle: timedOut ? .timeout : .failure, retryAfter: nil)
        }
        if (200..<300).contains(status) {
            return AttemptVerdict(succeeded: true, gone: false, throttle: .success, retryAfter: nil)
        }
        let retryAfter = retryAfterHeader.flatMap { parseRetryAfter($0, now: now) }
        if status == 429 || status == 503 {
            return AttemptVerdict(
                succeeded: false, gone: false, throttle: .overloaded(retryAfter: retryAfter), retryAfter: retryAfter)
        }
        return AttemptVerdict(succeeded: false, gone: status == 410, throttle: .failure, retryAfter: nil)
    }

    /// Seconds (`120`) or an HTTP date; nil for anything else.
    static func parseRetryAfter(_ value: String, now: Date) -> Double? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed), seconds >= 0 { return min(Double(seconds), longestRetryAfter) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return min(max(0, date.timeIntervalSince(now)), longestRetryAfter)
    }
}
