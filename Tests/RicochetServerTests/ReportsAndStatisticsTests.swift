import Foundation
import HTTPTypes
import RicochetCore
import Testing

@testable import RicochetServer

@Suite("MTA events and statistics")
struct ReportsAndStatisticsTests {
    @Test(
        "MTA reports become delivery and failure events; unknown messages are refused alone, a malformed item refuses the request"
    )
    func reports() async throws {
        try await Harness.run { api, tenants in
            let message = try await api.createMessage(
                key: tenants.alice, json: #"{"recipient": "jane@example.com", "tags": ["may"]}"#)
            let id = message["id"] as! String
            let foreign = try await api.createMessage(key: tenants.bob, json: #"{"recipient": "bob@example.com"}"#)
            let malformed = try await api.call(
                .post, "/api/v1/events", key: tenants.alice,
                body: """
                    {"events": [
                      {"type": "delivery", "message": "\(id)", "code": 250},
                      {"type": "bounce", "message": "\(id)", "code": 550},
                      {"type": "failure", "message": "\(id)", "code": 550, "extended": "9.9"},
                      {"type": "failure", "message": "\(id)", "code": 550, "colour": "red"},
                      {"type": "failure", "message": "\(id)", "code": 550, "state": null}
                    ]}
                    """)
            #expect(malformed.status == .badRequest)
            #expect(malformed.errorCode == "invalid_events")
            let invalid = (malformed.json["error"] as? [String: Any])?["results"] as? [[String: Any]] ?? []
            #expect(invalid.map { $0["index"] as? Int } == [1, 2, 3, 4])
            #expect((invalid.first?["message"] as? String)?.contains("delivery") == true, "\(malformed.body)")
            #expect(try await api.events(key: tenants.alice).isEmpty, "nothing of a refused request is recorded")

            let batch = """
                {"events": [
                  {"type": "failure", "message": "\(id)", "state": "rcpt", "code": 550, "extended": "5.1.1", "description": "no such user"},
                  {"type": "delivery", "message": "\(id)", "code": 250.0, "extended": "2.0.0", "description": "queued as 12345", "time": 1700000000},
                  {"type": "delivery", "message": "\(foreign["id"] as! String)", "code": 250},
                  {"type": "delivery", "message": "msg_aaaaaaaaaaaaaaaa", "code": 250}
                ]}
                """
            let answer = try await api.call(.post, "/api/v1/events", key: tenants.alice, body: batch)
            #expect(answer.status == .accepted)
            #expect(answer.json["accepted"] as? Int == 2)
            #expect(answer.json["rejected"] as? Int == 2)
            let results = answer.json["results"] as? [[String: Any]] ?? []
            #expect(results.map { $0["status"] as? Int } == [202, 202, 422, 422])

            let failure = try #require(try await api.events(key: tenants.alice, query: "?type=failure").first)
            let variables = try #require(failure["variables"] as? [String: Any])
            #expect(variables["recipient"] as? String == "jane@example.com")
            #expect(variables["state"] as? String == "rcpt")
            #expect(variables["code"] as? Int == 550)
            #expect(variables["extended"] as? String == "5.1.1")
            #expect(variables["description"] as? String == "no such user")
            #expect(variables["tags"] as? [String] == ["may"])
            let delivery = try #require(try await api.events(key: tenants.alice, query: "?type=delivery").first)
            #expect((delivery["variables"] as? [String: Any])?["time"] as? Int == 1_700_000_000)
            #expect((delivery["variables"] as? [String: Any])?["timestamp"] as? String == "2023-11-14 22:13:20")
            #expect(try await api.events(key: tenants.bob).isEmpty)

            let single = try await api.call(
                .post, "/api/v1/events", key: tenants.alice,
                body: #"{"type": "delivery", "message": "\#(id)", "code": 250}"#)
            #expect(single.json["accepted"] as? Int == 1)
            #expect(try await api.call(.post, "/api/v1/events", key: tenants.alice, body: "[1]").status == .badRequest)
        }
    }

    @Test("statistics count totals, uniques per message, machines apart, per period and per link")
    func statistics() async throws {
        try await Harness.run { api, tenants in
            let first = try await api.createMessage(
                key: tenants.alice,
                json:
                    #"{"recipient": "a@example.com", "tags": ["may"], "html": "<a href='https://s.example/a'>a</a><a href='https://s.example/b'>b</a>"}"#
            )
            let second = try await api.createMessage(
                key: tenants.alice,
                json: #"{"recipient": "b@example.com", "html": "<a href='https://s.example/a'>a</a>"}"#)
            let firstHTML = first["html"] as! String
            let clicks = API.trackedPaths(in: firstHTML, marker: "/t/c/")
            let pixel = API.trackedPaths(in: firstHTML, marker: "/t/o/")[0]
            let otherClick = API.trackedPaths(in: second["html"] as! String, marker: "/t/c/")[0]
            for _ in 0..<3 { _ = try await api.call(.get, clicks[0], key: nil) }
            _ = try await api.call(.get, clicks[1], key: nil)
            _ = try await api.call(.get, otherClick, key: nil)
            for _ in 0..<2 { _ = try await api.call(.get, pixel, key: nil) }
            _ = try await api.call(
                .post, "/api/v1/events", key: tenants.alice,
                body: #"{"type": "delivery", "message": "\#(first["id"] as! String)", "code": 250}"#)

            let answer = try await api.call(.get, "/api/v1/statistics?interval=hour", key: tenants.alice)
            #expect(answer.status == .ok, "\(answer.body)")
            let totals = try #require(answer.json["totals"] as? [String: [String: Int]])
            #expect(totals["click"] == ["total": 5, "unique": 2, "human": 0, "machine": 5])
            #expect(totals["open"] == ["total": 2, "unique": 1, "human": 0, "machine": 2])
            #expect(totals["delivery"]?["total"] == 1)
            #expect(totals["delivery"]?["human"] == 1)
            #expect(totals["failure"]?["total"] == 0)
            let series = answer.json["series"] as? [[String: Any]] ?? []
            #expect(series.count == 48)
            let seriesClicks = series.compactMap { ($0["click"] as? [String: Int])?["total"] }.reduce(0, +)
            #expect(seriesClicks == 5)
            let links = answer.json["links"] as? [[String: Any]] ?? []
            #expect(links.first?["url"] as? String == "https://s.example/a")
            #expect(links.first?["clicks"] as? Int == 4)
            #expect(links.first?["unique"] as? Int == 2)

            let tagged = try await api.call(.get, "/api/v1/statistics?tag=may", key: tenants.alice)
            let taggedTotals = try #require(tagged.json["totals"] as? [String: [String: Int]])
            #expect(taggedTotals["click"]?["total"] == 4)
            #expect(taggedTotals["click"]?["unique"] == 1)

            let bob = try await api.call(.get, "/api/v1/statistics", key: tenants.bob)
            #expect((bob.json["totals"] as? [String: [String: Int]])?["click"]?["total"] == 0)
            for (bad, status) in [
                ("?interval=week", HTTPResponse.Status.badRequest), ("?x=1", .badRequest),
                ("?from=yesterday", .badRequest),
                ("?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", .unprocessableContent),
                ("?from=0&to=999999999&interval=hour", .unprocessableContent),
            ] {
                #expect(
                    try await api.call(.get, "/api/v1/statistics" + bad, key: tenants.alice).status == status, "\(bad)")
            }
            // Times beyond what a four-digit year writes are taken as its ends, so every time answered is RFC 3339.
            for (query, from, to) in [
                ("?from=-99999999999&to=1970-01-01T00:00:00-23:00", "1970-01-01T00:00:00Z", "1970-01-01T23:00:00Z"),
                ("?to=999999999999", "9999-12-01T23:59:59Z", "9999-12-31T23:59:59Z"),
            ] {
                let clamped = try await api.call(.get, "/api/v1/statistics" + query, key: tenants.alice)
                #expect(clamped.status == .ok, "\(query): \(clamped.body)")
                #expect(
                    clamped.json["from"] as? String == from && clamped.json["to"] as? String == to, "\(clamped.body)")
                for period in clamped.json["series"] as? [[String: Any]] ?? [] {
                    #expect(RFC3339.parse(period["start"] as? String ?? "") != nil, "\(period)")
                }
            }
        }
    }
}
