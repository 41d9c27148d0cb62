import Foundation
import RicochetCore
import Testing

@testable import RicochetSQLite
@testable import RicochetStore

@Suite("Inbound mail in SQLite")
struct InboundMailStoreTests {
    func mail(_ id: String, at date: Date) -> InboundMail {
        InboundMail(
            id: id, receivedAt: date, peer: "192.0.2.1:25", helo: "mx.example", mailFrom: "",
            rcptTo: ["bounces@b.example"], data: Array("Subject: x\r\n\r\n\u{0}body\r\n".utf8))
    }

    @Test("stored byte for byte, handed out until processed, removed only once processed and old")
    func lifecycle() async throws {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        let store = try await database.open()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for (index, id) in ["inb_a", "inb_b", "inb_c"].enumerated() {
            try await store.storeInbound(mail(id, at: start.addingTimeInterval(Double(index))))
        }
        let now = Date()
        #expect(
            try await store.claimInbound(limit: 10, holder: "a#1", until: now, now: now)
                == ["inb_a", "inb_b", "inb_c"].enumerated().map {
                    mail($1, at: start.addingTimeInterval(Double($0)))
                })
        try await store.markInboundProcessed(["inb_a"], now: start.addingTimeInterval(10))
        try await store.markInboundProcessed(["inb_b"], now: start.addingTimeInterval(20))
        #expect(
            try await store.claimInbound(limit: 10, holder: "a#1", until: now, now: now).map(\.id) == ["inb_c"],
            "an expired claim is taken again; processed mail is not")
        #expect(try await store.pruneInbound(processedBefore: start.addingTimeInterval(15)) == 1)
        #expect(try await store.pruneInbound(processedBefore: start.addingTimeInterval(15)) == 0)
        #expect(try await store.pruneInbound(processedBefore: start.addingTimeInterval(1000)) == 1)
        let left = try await store.database.read("SELECT id FROM inbound_mail").map { $0.column("id")?.string }
        #expect(left == ["inb_c"], "unprocessed mail is never removed")
        await store.close()
    }
}
