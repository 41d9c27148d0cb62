import RicochetCore

/// The `Date` header of an answer, kept for the second it names.
struct HTTPDate {
    private var second: Int64 = .min
    private var text = ""

    /// The header value for Unix time `seconds`.
    mutating func string(at seconds: Int64) -> String {
        if seconds != second {
            second = seconds
            text = HTTPDateFormat.string(seconds: seconds)
        }
        return text
    }
}
