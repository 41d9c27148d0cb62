import Foundation
import Testing

@testable import RicochetCore

@Suite("RFC3339")
struct RFC3339Tests {
    /// Foundation's reading of the same text, for the forms it knows.
    func reference(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions =
            text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter.date(from: text)
    }

    @Test("reads Z and offsets, fractions and lower-case separators as the date-time they name")
    func dateTimes() throws {
        for text in [
            "2026-11-29T10:00:00Z", "2026-11-29T11:00:00+01:00", "2026-11-29T04:30:00-05:30", "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59Z", "1969-12-31T23:59:59Z", "2026-11-29T10:00:00.250Z", "2026-11-29T10:00:00.5+01:00",
        ] {
            let parsed = try #require(RFC3339.parse(text), "\(text)")
            let expected = try #require(reference(text), "\(text)")
            #expect(abs(parsed.timeIntervalSince(expected)) < 0.001, "\(text)")
        }
        #expect(RFC3339.parse("2026-11-29t10:00:00z") == RFC3339.parse("2026-11-29T10:00:00Z"))
        #expect(RFC3339.parse("1970-01-01T00:00:00Z")?.timeIntervalSince1970 == 0)
        #expect(RFC3339.parse("2026-11-29T10:00:00.123456789Z") != nil, "any number of fraction digits")
        #expect(RFC3339.parse("2016-12-31T23:59:60Z") != nil, "a leap second")
    }

    @Test("refuses what JSON Schema's date-time does not allow")
    func refusals() {
        for text in [
            "", "2026-11-29", "2026-11-29T10:00:00", "2026-11-29 10:00:00Z", "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-29T24:00:00Z",
            "2026-11-29T10:60:00Z", "2026-11-29T10:00:61Z", "2026-11-29T10:00:00.Z", "2026-11-29T10:00:00+0100",
            "2026-11-29T10:00:00+24:00", "2026-11-29T10:00:00Z ", " 2026-11-29T10:00:00Z", "+2026-11-29T10:00:00Z",
            "２０２６-11-29T10:00:00Z", "2026-11-29T10:00:00ZZ", "2026-1-29T10:00:00Z",
        ] {
            #expect(RFC3339.parse(text) == nil, "\(text)")
        }
    }

    @Test("Unix seconds: an optional minus and 1 to 12 digits, nothing else")
    func unixSeconds() {
        #expect(RFC3339.unixSeconds("0")?.timeIntervalSince1970 == 0)
        #expect(RFC3339.unixSeconds("1764410400")?.timeIntervalSince1970 == 1_764_410_400)
        #expect(RFC3339.unixSeconds("-86400")?.timeIntervalSince1970 == -86400)
        #expect(RFC3339.unixSeconds("999999999999") != nil)
        for text in ["", "-", "+5", "1e3", "1.5", " 1", "1 ", "1000000000000", "٣", "0x10"] {
            #expect(RFC3339.unixSeconds(text) == nil, "\(text)")
        }
    }
}
