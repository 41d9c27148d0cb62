import Foundation
import Testing

@testable import RicochetMail

/// The bounce corpus as if applications had submitted it: real mail of many
/// shapes, with its multiparts, enclosed messages, charsets and damage.
@Suite("Relay over the mail corpus")
struct RelayCorpusTests {
    /// A file's bytes as the SMTP session hands them over: CRLF lines.
    static func submitted(_ file: URL) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for line in try Data(contentsOf: file).split(separator: 10, omittingEmptySubsequences: false) {
            bytes += line.last == 13 ? line.dropLast() : line
            bytes += [13, 10]
        }
        return bytes
    }

    @Test("every message is read or refused with a reason; what is read is copied exactly, text kept and tracked")
    func corpus() throws {
        var read = 0
        var rewritten = 0
        for file in try CorpusTests.files() {
            let bytes = try Self.submitted(file)
            guard let message = try? SubmittedMessage(bytes) else { continue }
            read += 1
            let name = file.lastPathComponent
            #expect(try TrackedCopy.make(from: message, header: .init()) == bytes, "\(name)")
            if let copy = try? TrackedCopy.make(from: message, header: .init(), rewrite: { _, _ in nil }) {
                #expect(copy == bytes, "\(name)")
            }
            // Written back unchanged, every text reads as it did.
            var texts: [String] = []
            guard
                let same = try? TrackedCopy.make(
                    from: message, header: .init(),
                    rewrite: { _, text in
                        texts.append(text)
                        return text
                    })
            else { continue }
            rewritten += 1
            do {
                var again: [String] = []
                _ = try TrackedCopy.make(from: try SubmittedMessage(same), header: .init()) { _, text in
                    again.append(text)
                    return nil
                }
                #expect(again == texts, "\(name)")
                // Tracked, it is still valid MIME with the same shape.
                let tracked = try RelayFixture.copy(bytes)
                let copy = try SubmittedMessage(tracked)
                #expect(Self.shape(copy.root) == Self.shape(message.root), "\(name)")
            } catch {
                Issue.record("\(name): \(error)")
            }
        }
        #expect(read >= 500, "most of the corpus is valid MIME (read \(read))")
        #expect(rewritten >= read * 9 / 10, "most of it has text that can be written back (\(rewritten) of \(read))")
    }

    static func shape(_ part: SubmittedPart) -> String {
        part.contentType.mimeType + (part.parts.isEmpty ? "" : "(" + part.parts.map(shape).joined(separator: ",") + ")")
    }
}
