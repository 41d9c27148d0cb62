import Foundation

/// Times as the API accepts them: an RFC 3339 date-time
/// (`2026-11-29T10:00:00Z`, `2026-11-29T11:00:00.250+01:00`), exactly what
/// JSON Schema's `format: date-time` means, so that the OpenAPI document and
/// the server agree on every string; or Unix seconds.
public enum RFC3339 {
    /// The date-time, or nil when `text` is not one: a four-digit year,
    /// month, day, `T` (or `t`), hours, minutes, seconds (60 for a leap
    /// second), an optional fraction, and `Z` or an offset `±hh:mm`.
    /// `date` in UTC to the second, as the API writes times: `2026-12-01T10:00:00Z`.
    public static func string(_ date: Date) -> String {
        let timestamp = EventTimestamp.timestamp(date)
        return timestamp.prefix(10) + "T" + timestamp.dropFirst(11) + "Z"
    }

    public static func parse(_ text: some StringProtocol) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return nil }
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<start + count] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        func at(_ index: Int, _ characters: String) -> Bool {
            index < bytes.count && characters.utf8.contains(bytes[index])
        }
        guard let year = number(0, 4), at(4, "-"), let month = number(5, 2), at(7, "-"), let day = number(8, 2),
            at(10, "Tt"), let hour = number(11, 2), at(13, ":"), let minute = number(14, 2), at(16, ":"),
            let second = number(17, 2)
        else { return nil }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60,
            second <= 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if at(index, ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset = 0
        if at(index, "Zz") {
            index += 1
        } else if at(index, "+-") {
            guard let hours = number(index + 1, 2), at(index + 3, ":"), let minutes = number(index + 4, 2),
                hours < 24, minutes < 60
            else { return nil }
            offset = (hours * 60 + minutes) * 60 * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// Unix seconds as a query string writes them: an optional minus and 1
    /// to 12 digits (`pattern: "^-?[0-9]{1,12}$"` in the document).
    public static func unixSeconds(_ text: some StringProtocol) -> Date? {
        var digits = Substring(text)
        if digits.first == "-" { digits = digits.dropFirst() }
        guard (1...12).contains(digits.utf8.count), digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let value = Int64(text)
        else { return nil }
        return Date(timeIntervalSince1970: Double(value))
    }

    /// The Unix seconds of 1970-01-01T00:00:00Z through 9999-12-31T23:59:59Z:
    /// no mail was sent before, a four-digit year ends there, and Foundation
    /// writes earlier centuries in the Julian calendar, not RFC 3339's.
    public static let representable: ClosedRange<Double> = 0...253_402_300_799

    /// `date`, or the nearer end of `representable` when it lies outside (a
    /// time far in the past or future means the same as the first or last).
    public static func clamped(_ date: Date) -> Date {
        Date(
            timeIntervalSince1970: min(
                max(date.timeIntervalSince1970, representable.lowerBound), representable.upperBound))
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to the date of the proleptic Gregorian calendar.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }
}
