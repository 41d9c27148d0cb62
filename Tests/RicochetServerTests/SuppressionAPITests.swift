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
