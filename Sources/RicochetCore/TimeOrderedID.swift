import Foundation

/// Identifiers that sort by the time they were made: a prefix, the time in
/// milliseconds (10 base32 characters, so text order is time order) and 50
/// random bits.
///
/// Rows inserted one after another get neighbouring keys, so a unique index
/// on such ids grows at its end: a commit of many rows touches one or two of
/// its pages rather than one page a row, and so do the indexes of rows that
/// refer to them (an attempt's delivery).
public enum TimeOrderedID {
    /// The base32 characters in ASCII order, so that text order is number order.
    static let sortedBase32 = Array("234567abcdefghijklmnopqrstuvwxyz".utf8)

    /// Whether `text` is an id made with `prefix`: it and 20 characters of the alphabet.
    public static func isID(_ text: some StringProtocol, prefix: String) -> Bool {
        text.utf8.count == prefix.utf8.count + 20 && text.hasPrefix(prefix)
            && text.utf8.dropFirst(prefix.utf8.count).allSatisfy { sortedBase32.contains($0) }
    }

    public static func make(_ prefix: String, at date: Date = Date()) -> String {
        var milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var time = [UInt8](repeating: 0, count: 10)
        for position in time.indices.reversed() {
            time[position] = sortedBase32[Int(milliseconds & 31)]
            milliseconds >>= 5
        }
        return prefix + String(decoding: time, as: UTF8.self) + RandomToken.base32(length: 10)
    }
}
