import Foundation
import HTTPTypes
import Testing

@Suite("The suppression list API")
struct SuppressionAPITests {
    @Test(
        "entries are added, replaced, found in any case, paged newest first by reason, expired and removed, per account"
    )
    func entries() async throws {
        try await Harness.run { api, tenants in
            let made = try await api.call(
                .post, "/api/v1/suppressions", key: tenants.alice, body: #"{"address": "Gone@Example.org"}"#)
            #expect(made.status == .created, "\(made.body)")
            #expect(made.json["address"] as? String == "gone@example.org")
            #expect(made.json["reason"] as? String == "manual")
            #expect(made.json["event"] is NSNull && made.json["expires_at"] is NSNull)
            #expect(made.headers[.location] == "/api/v1/suppressions/gone@example.org")
            for (address, reason) in [("angry@example.org", "complaint"), ("left@example.org", "unsubscribe")] {
                let answer = try await api.call(
                    .post, "/api/v1/suppressions", key: tenants.alice,
                    body: #"{"address": "\#(address)", "reason": "\#(reason)"}"#)
                #expect(answer.status == .created)
            }
            let found = try await api.call(.get, "/api/v1/suppressions/GONE%40example.ORG", key: tenants.alice)
            #expect(found.status == .ok && found.json["id"] as? String == made.json["id"] as? String)
            #expect(
                try await api.call(.get, "/api/v1/suppressions/gone@example.org", key: tenants.bob).status == .notFound)

            let first = try await api.call(.get, "/api/v1/suppressions?limit=2", key: tenants.alice)
            let firstPage = first.json["suppressions"] as? [[String: Any]] ?? []
            #expect(firstPage.map { $0["address"] as? String } == ["left@example.org", "angry@example.org"])
            let next = try #require(first.json["next"] as? String)
            let second = try await api.call(.get, "/api/v1/suppressions?limit=2&before=\(next)", key: tenants.alice)
            #expect(
                (second.json["suppressions"] as? [[String: Any]])?.map { $0["address"] as? String } == [
                    "gone@example.org"
                ])
            #expect(second.json["next"] is NSNull)
            let complaints = try await api.call(.get, "/api/v1/suppressions?reason=complaint", key: tenants.alice)
            #expect((complaints.json["suppressions"] as? [[String: Any]])?.count == 1)

            let replaced = try await api.call(
                .post, "/api/v1/suppressions", key: tenants.alice,
                body: #"{"address": "gone@example.org", "reason": "hard_bounce", "expires_at": "2020-01-01T00:00:00Z"}"#
            )
            #expect(replaced.status == .created && replaced.json["reason"] as? String == "hard_bounce")
            #expect(
                try await api.call(.get, "/api/v1/suppressions/gone@example.org", key: tenants.alice).status
                    == .notFound,
                "expired, so not in force")
            let listed = try await api.call(.get, "/api/v1/suppressions", key: tenants.alice)
            #expect(
                (listed.json["suppressions"] as? [[String: Any]])?.first?["expires_at"] as? String
                    == "2020-01-01T00:00:00Z")

            #expect(
                try await api.call(.delete, "/api/v1/suppressions/angry@example.org", key: tenants.bob).status
                    == .notFound)
            #expect(
                try await api.call(.delete, "/api/v1/suppressions/angry@example.org", key: tenants.alice).status
                    == .noContent)
            #expect(
                try await api.call(.delete, "/api/v1/suppressions/angry@example.org", key: tenants.alice).status
                    == .notFound)
        }
    }

    @Test("what is not an address, reason, time or cursor answers 400 naming it")
    func refusals() async throws {
        try await Harness.run { api, tenants in
            for body in [
                #"{}"#, #"{"address": "no at sign"}"#, #"{"address": "a@b@c"}"#, #"{"address": " a@example.org"}"#,
                #"{"address": "a@example.org", "reason": "bored"}"#,
                #"{"address": "a@example.org", "expires_at": "soon"}"#,
                #"{"address": "a@example.org", "colour": "red"}"#, #"{"address": null}"#,
            ] {
                let answer = try await api.call(.post, "/api/v1/suppressions", key: tenants.alice, body: body)
                #expect(answer.status == .badRequest, "\(body): \(answer.body)")
            }
            for query in ["?reason=bored", "?limit=0", "?before=sup_x", "?colour=red"] {
                let answer = try await api.call(.get, "/api/v1/suppressions" + query, key: tenants.alice)
                #expect(answer.status == .badRequest, "\(query)")
            }
            #expect(
                try await api.call(.get, "/api/v1/suppressions/not-an-address", key: tenants.alice).status
                    == .badRequest)
            #expect(try await api.call(.get, "/api/v1/suppressions/a%ZZ@b", key: tenants.alice).status == .badRequest)
        }
    }
}

extension SuppressionAPITests {
    @Test(
        "CSV: an export imports back as it was, each entry an event; another platform's file reads; a bad line imports nothing"
    )
    func csvRoundTrip() async throws {
        try await Harness.run { api, tenants in
            for body in [
                #"{"address": "gone@example.org", "reason": "hard_bounce"}"#,
                #"{"address": "later@example.org", "expires_at": "2099-01-01T00:00:00Z"}"#,
            ] {
                #expect(
                    try await api.call(.post, "/api/v1/suppressions", key: tenants.alice, body: body).status == .created
                )
            }
            let exported = try await api.call(.get, "/api/v1/suppressions/export", key: tenants.alice)
            #expect(exported.status == .ok && exported.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = exported.body.split(separator: "\r\n")
            #expect(lines.first == "address,reason,created_at,expires_at,event")
            #expect(
                lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(2) } == [
                    ["later@example.org", "manual"], ["gone@example.org", "hard_bounce"],
                ])
            #expect(lines[1].contains(",2099-01-01T00:00:00Z,"))

            let imported = try await api.call(
                .post, "/api/v1/suppressions/import", key: tenants.bob, body: exported.body,
                headers: [.contentType: "text/csv"])
            #expect(imported.status == .ok && imported.json["imported"] as? Int == 2, "\(imported.body)")
            let bobs = try await api.call(.get, "/api/v1/suppressions", key: tenants.bob)
            let entries = bobs.json["suppressions"] as? [[String: Any]] ?? []
            #expect(Set(entries.compactMap { $0["address"] as? String }) == ["gone@example.org", "later@example.org"])
            #expect(
                entries.first { $0["address"] as? String == "gone@example.org" }?["reason"] as? String == "hard_bounce")
            #expect(
                entries.first { $0["address"] as? String == "later@example.org" }?["expires_at"] as? String
                    == "2099-01-01T00:00:00Z")
            #expect(try await api.events(key: tenants.bob, query: "?type=suppression.create").count == 2)

            let foreign = "Email,First name\r\nJoe@Example.org,Joe\r\n\"ann@example.org\",\"Ann, B.\"\r\n"
            let read = try await api.call(
                .post, "/api/v1/suppressions/import", key: tenants.bob, body: foreign,
                headers: [.contentType: "text/csv"])
            #expect(read.json["imported"] as? Int == 2, "\(read.body)")
            #expect(try await api.call(.get, "/api/v1/suppressions/joe@example.org", key: tenants.bob).status == .ok)

            let bad = "address,reason\nok@example.org,manual\nnot an address,manual\nx@example.org,lost\n"
            let refused = try await api.call(
                .post, "/api/v1/suppressions/import", key: tenants.bob, body: bad, headers: [.contentType: "text/csv"])
            #expect(refused.status == .unprocessableContent && refused.errorCode == "invalid_csv")
            let problems = refused.error["problems"] as? [[String: Any]] ?? []
            #expect(problems.compactMap { $0["line"] as? Int } == [3, 4])
            #expect(
                try await api.call(.get, "/api/v1/suppressions/ok@example.org", key: tenants.bob).status == .notFound,
                "nothing of a refused file is imported")
            let headless = try await api.call(
                .post, "/api/v1/suppressions/import", key: tenants.bob, body: "a@example.org\n",
                headers: [.contentType: "text/csv"])
            #expect(headless.status == .unprocessableContent && headless.errorMessage.contains("name the columns"))
        }
    }
}
