import Foundation
import RicochetCore

@testable import RicochetMail

/// Messages as the SMTP session hands them over (CRLF lines), and the
/// rewriting the relay does to text parts.
enum RelayFixture {
    static func mail(_ text: String) -> [UInt8] {
        Array((text.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n").utf8)
    }

    /// Tracks as the relay does: every link of HTML and plain text, and a
    /// pixel in HTML; links are numbered across the parts.
    final class Tracker {
        var links: [TrackedLink] = []

        func rewrite(_ kind: TrackedCopy.TextKind, _ text: String) -> String? {
            switch kind {
            case .html:
                let result = HTMLInstrumenter.instrument(
                    text, startingAt: links.count, pixelURL: "https://t.example/o/TOKEN"
                ) { "https://t.example/c/\($0.index)" }
                links += result.links
                return result.html
            case .plain:
                let result = TextInstrumenter.instrument(text, startingAt: links.count) {
                    "https://t.example/c/\($0.index)"
                }
                links += result.links
                return result.text
            }
        }
    }

    /// The copy `message` becomes under the tracker, with the steering
    /// fields removed and the message's id added.
    static func copy(_ message: [UInt8], tracker: Tracker = Tracker()) throws -> [UInt8] {
        try TrackedCopy.make(
            from: try SubmittedMessage(message),
            header: TrackedCopy.HeaderEdit(
                removing: RelaySteering.fieldNames, adding: [("X-Ricochet-Message", "msg_test")]),
            rewrite: tracker.rewrite)
    }

    /// The decoded text of the leaf at `path` (1-based indexes) of `bytes`.
    static func text(of bytes: [UInt8], at path: [Int]) throws -> String {
        var part = try SubmittedMessage(bytes).root
        for index in path { part = part.parts[index - 1] }
        let raw = bytes[part.bodyRange]
        let decoded = TransferEncoding.decode(raw, encoding: part.transferEncoding)
        return Charset.decodeExactly(decoded, charset: part.contentType.parameters["charset"]) ?? "(not decodable)"
    }

    static func contains(_ bytes: [UInt8], _ slice: ArraySlice<UInt8>) -> Bool {
        guard !slice.isEmpty, slice.count <= bytes.count else { return slice.isEmpty }
        let needle = Array(slice)
        for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
            if Array(bytes[start..<(start + needle.count)]) == needle { return true }
        }
        return false
    }
}
