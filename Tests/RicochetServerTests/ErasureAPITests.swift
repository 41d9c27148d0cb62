import Foundation
import HTTPTypes
import Testing

@testable import RicochetServer

@Suite("The erasures API")
struct ErasureAPITests {
    @Test(
        "an erasure empties the address's messages and events, keeps the counts and the suppression, is listed; later hits record nothing"
    )
    func erase() async throws {
        try await Harness.run { api, tenants in
            let message = try await api.createMessage(
                key: tenants.alice, json: #"{"recipient": "Jane@Example.com", "html": "<p>Hi</p>"}"#)
            let pixel = try #require(API.trackedPaths(in: message["html"] as? String ?? "", marker: "/t/o/").first)
            let agent: HTTPFields = [.userAgent: "JaneBrowser/1.0"]
            #expect(try await api.call(.get, pixel, key: nil, headers: agent).status == .ok)
            _ = try await api.call(
                .post, "/api/v1/suppressions", key: tenants.alice,
                body: #"{"address": "jane@example.com", "reason": "unsubscribe"}"#)
            let other = try await api.createMessage(
                key: tenants.alice, json: #"{"recipient": "bob@example.com", "html": "<p>Hi</p>"}"#)

            let refused = try await api.call(
                .post, "/api/v1/erasures", key: tenants.alice, body: #"{"recipient": "not an address"}"#)
            #expect(refused.status == .badRequest && refused.errorCode == "invalid_recipient")

            let erased = try await api.call(
                .post, "/api/v1/erasures", key: tenants.alice, body: #"{"recipient": "JANE@example.com"}"#)
            #expect(erased.status == .created, "\(erased.body)")
            let counts = try #require(erased.json["counts"] as? [String: Any])
            #expect(
                counts["messages"] as? Int == 1 && counts["events"] as? Int == 2 && counts["suppressions"] as? Int == 1)
            let key = try #require(erased.json["address_key"] as? String)
            #expect(key.hasPrefix("erased:") && !erased.body.lowercased().contains("jane"))

            let events = try await api.events(key: tenants.alice)
            #expect(!events.isEmpty)
            for event in events {
                let variables = event["variables"] as? [String: Any] ?? [:]
                #expect(
                    !String(describing: variables).lowercased().contains("jane"),
                    "no trace in \(event["type"] ?? "")")
            }
            let shown = try await api.call(
                .get, "/api/v1/messages/\(message["id"] as? String ?? "")", key: tenants.alice)
            #expect(shown.json["recipient"] as? String == "")
            let suppressed = try await api.call(.get, "/api/v1/suppressions/jane@example.com", key: tenants.alice)
            #expect(
                suppressed.status == .ok && suppressed.json["address"] as? String == key, "still suppressed, by key")
            let statistics = try await api.call(.get, "/api/v1/statistics", key: tenants.alice)
            #expect(((statistics.json["totals"] as? [String: Any])?["open"] as? [String: Any])?["total"] as? Int == 1)

            // A hit is recorded before it is answered: once both answers are in, the erased
            // message's would be there if it had been recorded.
            #expect(try await api.call(.get, pixel, key: nil, headers: agent).status == .ok)
            let otherPixel = try #require(API.trackedPaths(in: other["html"] as? String ?? "", marker: "/t/o/").first)
            #expect(try await api.call(.get, otherPixel, key: nil).status == .ok)
            let opens = try await api.events(key: tenants.alice, query: "?type=open")
            #expect(opens.count == 2, "the first open and Bob's; nothing for the erased message")

            let listed = try await api.call(.get, "/api/v1/erasures", key: tenants.alice)
            let erasures = listed.json["erasures"] as? [[String: Any]] ?? []
            #expect(erasures.count == 1 && erasures.first?["address_key"] as? String == key)
            #expect(
                (try await api.call(.get, "/api/v1/erasures", key: tenants.bob).json["erasures"] as? [Any])?.isEmpty
                    == true)
        }
    }
}
