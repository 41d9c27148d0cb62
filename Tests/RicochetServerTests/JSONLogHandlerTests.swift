import Foundation
import Logging
import Synchronization
import Testing

@testable import RicochetServer

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    @Test("a line is one JSON object: time, level, message, label, node lifted out, the rest as metadata")
    func line() throws {
        let text = JSONLogHandler.line(
            time: Date(timeIntervalSince1970: 1_796_212_800.123), level: .warning,
            message: "a \"quoted\"\nmessage\u{1}", label: "ricochet",
            metadata: [
                "node": "node-1", "loop": "loop_abc", "attempts": .stringConvertible(3),
                "tags": ["a", "b"], "request": ["id": "r1"],
            ])
        #expect(!text.contains("\n"), "one line")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["time"] as? String == "2026-12-02T12:00:00.123Z")
        #expect(object["level"] as? String == "warning" && object["label"] as? String == "ricochet")
        #expect(object["message"] as? String == "a \"quoted\"\nmessage\u{1}")
        #expect(object["node"] as? String == "node-1")
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["node"] == nil && metadata["loop"] as? String == "loop_abc")
        #expect(metadata["attempts"] as? String == "3" && metadata["tags"] as? [String] == ["a", "b"])
        #expect((metadata["request"] as? [String: String]) == ["id": "r1"])
    }

    @Test("a logger on the handler writes its own and the call's metadata, at its level")
    func logger() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "test") { label in
            JSONLogHandler(label: label) { line in lines.withLock { $0.append(line) } }
        }
        logger.logLevel = .notice
        logger[metadataKey: "node"] = "n"
        logger.info("dropped")
        logger.error("kept", metadata: ["account": "acct_1"])
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let first = try #require(written.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect(object["message"] as? String == "kept" && object["node"] as? String == "n")
        #expect((object["metadata"] as? [String: Any])?["account"] as? String == "acct_1")
        #expect(object["level"] as? String == "error")
    }
}
