import Foundation

/// Times as the dashboard shows and reads them: UTC, to the second, and
/// the `datetime-local` form of date inputs.
enum DashboardTime {
    static func text(_ date: Date) -> String {
        format("yyyy-MM-dd HH:mm:ss").string(from: date) + " UTC"
    }

    /// The value of a `datetime-local` input.
    static func input(_ date: Date) -> String {
        format("yyyy-MM-dd'T'HH:mm").string(from: date)
    }

    /// A day, as a date input shows it.
    static func dayText(_ date: Date) -> String {
        format("yyyy-MM-dd").string(from: date)
    }

    /// A date input's value: the start of that day, UTC.
    static func day(_ text: String) -> Date? {
        format("yyyy-MM-dd").date(from: text)
    }

    /// A `datetime-local` value (with or without seconds), read as UTC.
    static func parse(_ text: String) -> Date? {
        format("yyyy-MM-dd'T'HH:mm:ss").date(from: text) ?? format("yyyy-MM-dd'T'HH:mm").date(from: text)
    }

    private static func format(_ pattern: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter
    }
}
