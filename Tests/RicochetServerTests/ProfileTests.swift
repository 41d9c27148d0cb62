import Foundation
import HTTPTypes
import Testing

@testable import RicochetServer

@Suite("Profiles")
struct ProfileTests {
    @Test("profiles are created, read, patched and deleted, each change an event with what it changed")
    func lifecycle() async throws {
        try await Harness.run { api, tenants in
            let database = try await api.call(
                .post, "/api/v1/databases", key: tenants.alice, body: #"{"name": "Newsletter"}"#)
            #expect(database.status == .created)
            let db = try #require(database.json["id"] as? String)
            #expect(
                try await api.call(.post, "/api/v1/databases", key: tenants.alice, body: #"{"name": "Newsletter"}"#)
                    .status == .conflict)
            let created = try await api.call(
                .post, "/api/v1/databases/\(db)/profiles", key: tenants.alice,
                body: #"{"fields": {"name": "Jane", "city": "Paris"}, "interests": ["shoes"]}"#)
            #expect(created.status == .created)
            let id = try #require(created.json["id"] as? String)
            let patched = try await api.call(
                .patch, "/api/v1/databases/\(db)/profiles/\(id)", key: tenants.alice,
                body: #"{"fields": {"city": "Lyon", "name": "Jane"}}"#)
            #expect((patched.json["fields"] as? [String: String]) == ["name": "Jane", "city": "Lyon"])
            #expect(patched.json["interests"] as? [String] == ["shoes"])
            let removed = try await api.call(
                .patch, "/api/v1/databases/\(db)/profiles/\(id)", key: tenants.alice,
                body: #"{"fields": {"city": null}}"#)
            #expect((removed.json["fields"] as? [String: String]) == ["name": "Jane"])
            #expect(
                try await api.call(.delete, "/api/v1/databases/\(db)/profiles/\(id)", key: tenants.alice).status
                    == .noContent)
            #expect(
                try await api.call(.get, "/api/v1/databases/\(db)/profiles/\(id)", key: tenants.alice).status
                    == .notFound)

            let events = try await api.events(key: tenants.alice)
            #expect(
                events.map { $0["type"] as? String } == [
                    "profile.delete", "profile.update", "profile.update", "profile.create",
                ])
            let update = try #require(events[2]["variables"] as? [String: Any])
            #expect(update["profile"] as? String == id)
            #expect(update["ID"] as? String == id)
            #expect(update["type"] as? String == "update")
            #expect(update["database"] as? String == db)
            #expect((update["parameters"] as? [String: Any])?["fields"] as? [String: String] == ["city": "Lyon"])
            #expect(update["fields"] as? [String: String] == ["name": "Jane", "city": "Lyon"])
            #expect(update["interests"] as? [String] == ["shoes"])
            #expect((update["created"] as? String)?.count == 19)
            #expect((update["modified"] as? String)?.count == 19)
            let create = try #require(events[3]["variables"] as? [String: Any])
            #expect(create["type"] as? String == "create")
            #expect((create["parameters"] as? [String: Any])?["interests"] as? [String] == ["shoes"])
            #expect(try await api.call(.get, "/api/v1/databases/\(db)/profiles", key: tenants.bob).status == .notFound)
        }
    }

    @Test("listing filters on fields and pages")
    func listing() async throws {
        try await Harness.run { api, tenants in
            let db =
                try await api.call(.post, "/api/v1/databases", key: tenants.alice, body: #"{"name": "d"}"#).json["id"]
                as! String
            for (index, city) in ["Paris", "Lyon", "Paris", "Paris"].enumerated() {
                _ = try await api.call(
                    .post, "/api/v1/databases/\(db)/profiles", key: tenants.alice,
                    body: #"{"fields": {"city": "\#(city)", "n": "\#(index)"}}"#)
            }
            let paris = try await api.call(
                .get, "/api/v1/databases/\(db)/profiles?fields%5Bcity%5D=Paris&limit=2", key: tenants.alice)
            #expect((paris.json["profiles"] as? [[String: Any]])?.count == 2, "\(paris.body)")
            let next = try #require(paris.json["next"] as? String)
            let rest = try await api.call(
                .get, "/api/v1/databases/\(db)/profiles?fields%5Bcity%5D=Paris&limit=2&after=\(next)",
                key: tenants.alice)
            let restProfiles = rest.json["profiles"] as? [[String: Any]] ?? []
            #expect(restProfiles.map { ($0["fields"] as? [String: String])?["n"] } == ["3"])
            #expect(rest.json["next"] is NSNull)
            let both = try await api.call(
                .get, "/api/v1/databases/\(db)/profiles?fields%5Bcity%5D=Paris&fields%5Bn%5D=2", key: tenants.alice)
            #expect((both.json["profiles"] as? [[String: Any]])?.count == 1)
            #expect(
                try await api.call(.get, "/api/v1/databases/\(db)/profiles?colour=red", key: tenants.alice).status
                    == .badRequest)
        }
    }

    @Test("message events carry the recipient's profile")
    func enrichment() async throws {
        try await Harness.run { api, tenants in
            let db =
                try await api.call(.post, "/api/v1/databases", key: tenants.alice, body: #"{"name": "d"}"#).json["id"]
                as! String
            let profile =
                try await api.call(
                    .post, "/api/v1/databases/\(db)/profiles", key: tenants.alice,
                    body: #"{"fields": {"name": "Jane"}, "interests": ["shoes"]}"#
                ).json["id"] as! String
            let message = try await api.createMessage(
                key: tenants.alice,
                json:
                    #"{"recipient": "jane@example.com", "profile": "\#(profile)", "html": "<a href='https://s.example/'>s</a>"}"#
            )
            let click = try #require(API.trackedPaths(in: message["html"] as! String, marker: "/t/c/").first)
            _ = try await api.call(.get, click, key: nil)
            let event = try #require(try await api.events(key: tenants.alice, query: "?type=click").first)
            let enriched = (event["variables"] as? [String: Any])?["profile"] as? [String: Any]
            #expect(enriched?["id"] as? String == profile)
            #expect(enriched?["database"] as? String == db)
            #expect(enriched?["fields"] as? [String: String] == ["name": "Jane"])
            #expect(enriched?["interests"] as? [String] == ["shoes"])
            let foreign = try await api.call(
                .post, "/api/v1/messages", key: tenants.bob,
                body: #"{"recipient": "x@example.com", "profile": "\#(profile)"}"#)
            #expect(foreign.status == .unprocessableContent)
            #expect(foreign.errorCode == "unknown_profile")
        }
    }

    @Test("bad profile input is refused with the reason")
    func badInput() async throws {
        try await Harness.run { api, tenants in
            let db =
                try await api.call(.post, "/api/v1/databases", key: tenants.alice, body: #"{"name": "d"}"#).json["id"]
                as! String
            for body in [
                #"{"fields": {"a": [1]}}"#, #"{"fields": "x"}"#, #"{"interests": [1]}"#, #"{"colour": 1}"#,
                #"{"fields": {"a": null}}"#,
            ] {
                let answer = try await api.call(
                    .post, "/api/v1/databases/\(db)/profiles", key: tenants.alice, body: body)
                #expect(answer.status == .badRequest, "\(body)")
            }
            for body in [#"{}"#, #"{"name": ""}"#, #"{"name": 5}"#] {
                #expect(
                    try await api.call(.post, "/api/v1/databases", key: tenants.alice, body: body).status == .badRequest
                )
            }
        }
    }
}

@Suite("Collections and subprofiles")
struct SubprofileTests {
    @Test("subprofiles belong to a profile of their database; each change is an event with their variables")
    func lifecycle() async throws {
        try await Harness.run { api, tenants in
            let db =
                try await api.call(.post, "/api/v1/databases", key: tenants.alice, body: #"{"name": "d"}"#).json["id"]
                as! String
            let other =
                try await api.call(.post, "/api/v1/databases", key: tenants.alice, body: #"{"name": "e"}"#).json["id"]
                as! String
            let profile =
                try await api.call(.post, "/api/v1/databases/\(db)/profiles", key: tenants.alice, body: "{}").json["id"]
                as! String
            let stranger =
                try await api.call(.post, "/api/v1/databases/\(other)/profiles", key: tenants.alice, body: "{}").json[
                    "id"] as! String
            let collection = try await api.call(
                .post, "/api/v1/databases/\(db)/collections", key: tenants.alice, body: #"{"name": "orders"}"#)
            #expect(collection.status == .created)
            let c = try #require(collection.json["id"] as? String)
            let base = "/api/v1/databases/\(db)/collections/\(c)/subprofiles"
            let refused = try await api.call(.post, base, key: tenants.alice, body: #"{"profile": "\#(stranger)"}"#)
            #expect(refused.errorCode == "unknown_profile")
            let created = try await api.call(
                .post, base, key: tenants.alice,
                body: #"{"profile": "\#(profile)", "fields": {"order": "A1", "total": "10"}}"#)
            #expect(created.status == .created)
            let id = try #require(created.json["id"] as? String)
            let patched = try await api.call(
                .patch, "\(base)/\(id)", key: tenants.alice, body: #"{"fields": {"total": "12"}}"#)
            #expect(patched.json["fields"] as? [String: String] == ["order": "A1", "total": "12"])
            let listed = try await api.call(.get, "\(base)?fields%5Border%5D=A1", key: tenants.alice)
            #expect((listed.json["subprofiles"] as? [[String: Any]])?.count == 1)
            #expect(try await api.call(.delete, "\(base)/\(id)", key: tenants.alice).status == .noContent)
            #expect(try await api.call(.get, "\(base)/\(id)", key: tenants.alice).status == .notFound)
            #expect(try await api.call(.get, base, key: tenants.bob).status == .notFound)

            let events = try await api.events(key: tenants.alice)
            let update = try #require(
                events.first {
                    ($0["variables"] as? [String: Any])?["subprofile"] != nil
                        && $0["type"] as? String == "profile.update"
                })
            let variables = try #require(update["variables"] as? [String: Any])
            #expect(variables["subprofile"] as? String == id)
            #expect(variables["ID"] as? String == id)
            #expect(variables["profile"] as? String == profile)
            #expect(variables["database"] as? String == db)
            #expect(variables["collection"] as? String == c)
            #expect(variables["type"] as? String == "update")
            #expect((variables["parameters"] as? [String: Any])?["fields"] as? [String: String] == ["total": "12"])
            #expect(events.filter { ($0["variables"] as? [String: Any])?["subprofile"] != nil }.count == 3)
        }
    }

    @Test("a message about a subprofile carries it and its profile in its events")
    func enrichment() async throws {
        try await Harness.run { api, tenants in
            let db =
                try await api.call(.post, "/api/v1/databases", key: tenants.alice, body: #"{"name": "d"}"#).json["id"]
                as! String
            let profile =
                try await api.call(
                    .post, "/api/v1/databases/\(db)/profiles", key: tenants.alice,
                    body: #"{"fields": {"name": "Jane"}}"#
                ).json["id"] as! String
            let other =
                try await api.call(.post, "/api/v1/databases/\(db)/profiles", key: tenants.alice, body: "{}").json["id"]
                as! String
            let c =
                try await api.call(
                    .post, "/api/v1/databases/\(db)/collections", key: tenants.alice, body: #"{"name": "orders"}"#
                ).json["id"] as! String
            let sub =
                try await api.call(
                    .post, "/api/v1/databases/\(db)/collections/\(c)/subprofiles", key: tenants.alice,
                    body: #"{"profile": "\#(profile)", "fields": {"order": "A1"}}"#
                ).json["id"] as! String
            let mismatch = try await api.call(
                .post, "/api/v1/messages", key: tenants.alice,
                body: #"{"recipient": "jane@example.com", "profile": "\#(other)", "subprofile": "\#(sub)"}"#)
            #expect(mismatch.errorCode == "unknown_profile")
            let message = try await api.createMessage(
                key: tenants.alice,
                json:
                    #"{"recipient": "jane@example.com", "subprofile": "\#(sub)", "html": "<a href='https://s.example/'>s</a>"}"#
            )
            #expect(message["profile"] as? String == profile)
            let click = try #require(API.trackedPaths(in: message["html"] as! String, marker: "/t/c/").first)
            _ = try await api.call(.get, click, key: nil)
            let variables = try #require(
                try await api.events(key: tenants.alice, query: "?type=click").first?["variables"] as? [String: Any])
            #expect((variables["profile"] as? [String: Any])?["fields"] as? [String: String] == ["name": "Jane"])
            let subprofile = variables["subprofile"] as? [String: Any]
            #expect(subprofile?["id"] as? String == sub)
            #expect(subprofile?["collection"] as? String == c)
            #expect(subprofile?["fields"] as? [String: String] == ["order": "A1"])
        }
    }
}
