import Foundation
import Logging
import RicochetCore
import RicochetSQLite
import RicochetStore
import Testing

@testable import RicochetServer

@Suite("Housekeeping")
struct HousekeepingTests {
    @Test("an hour's run removes the events past an account's retention and soft bounces past any window, once")
    func prunes() async throws {
        let path = try Harness.database()
        let store = try await SQLiteStore.open(path: path, logger: Logger(label: "test"))
        do {
            let now = Date()
            let account = try await store.createAccount(name: "a", key: .generate(), now: now)
            try await store.setSettings(.init(eventRetentionDays: 7), of: account.id)
            func event(daysAgo: Double) -> Event {
                Event(
                    id: Event.newID(), accountID: account.id, type: .failure, message: nil,
                    occurredAt: now.addingTimeInterval(-daysAgo * 86400), machineReason: nil,
                    variables: ["type": "failure"])
            }
            let old = event(daysAgo: 8)
            let recent = event(daysAgo: 1)
            try await store.insert(
                [old, recent],
                suppressions: [
                    .softBounce(
                        account: account.id, address: "a@example.org", at: now.addingTimeInterval(-400 * 86400),
                        cause: old.id)
                ])
            let housekeeping = Housekeeping(store: store, holder: "node#1", logger: Logger(label: "test"))
            await housekeeping.runOnce(now: now)
            #expect(try await store.events(of: account.id, matching: EventQuery()).events.map(\.id) == [recent.id])
            #expect(try await store.softBounces(of: "a@example.org", account: account.id, since: .distantPast) == 0)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}
