import Foundation
import HTTPTypes
import Testing

@Suite("Hostile and mistaken input")
struct BadInputTests {
    @Test("a missing, malformed or wrong key answers 401 in JSON")
    func authentication() async throws {
        try await Harness.run { api, _ in
            let missing = try await api.call(.get, "/api/v1/loops", key: nil)
            #expect(missing.status == .unauthorized)
            #expect(missing.errorCode == "unauthorized")
            #expect(missing.headers[.wwwAuthenticate] == "Bearer")
            let wrong = try await api.call(.get, "/api/v1/loops", key: "rk_" + String(repeating: "x", count: 32))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.errorMessage == "invalid API key")
            let notAKey = try await api.call(.get, "/api/v1/loops", key: "hunter2")
            #expect(notAKey.status == .unauthorized)
            let basic = try await api.client.execute(
                uri: "/api/v1/loops", method: .get, headers: [.authorization: "Basic YTpi"]
            ) { $0.status }
            #expect(basic == .unauthorized)
        }
    }

    @Test(
        "bad loop bodies answer 400 with a message that names the problem",
        arguments: [
            ("", "malformed_json", "empty"),
            ("{\"url\": ", "malformed_json", "not valid JSON"),
            ("[1, 2]", "malformed_json", "JSON object"),
            (#"{"events": ["open"]}"#, "invalid_field", "missing field 'url'"),
            (#"{"url": "https://d.com/x"}"#, "invalid_field", "missing field 'events'"),
            (#"{"url": 5, "events": ["open"]}"#, "invalid_field", "field 'url' must be a string"),
            (#"{"url": "https://d.com/x", "events": "open"}"#, "invalid_field", "field 'events' must be an array"),
            (#"{"url": "https://d.com/x", "events": [1]}"#, "invalid_field", "field 'events[0]' must be a string"),
            (#"{"url": "https://d.com/x", "events": []}"#, "invalid_events", "at least one"),
            (#"{"url": "https://d.com/x", "events": ["opne"]}"#, "invalid_events", "unknown event 'opne'"),
            (#"{"url": "ftp://d.com/x", "events": ["open"]}"#, "invalid_url", "scheme 'ftp'"),
            (#"{"url": "https://u:p@d.com/x", "events": ["open"]}"#, "invalid_url", "user name or password"),
            (#"{"url": "https://d.com/x#frag", "events": ["open"]}"#, "invalid_url", "fragment"),
            (#"{"url": "not a url", "events": ["open"]}"#, "invalid_url", "not a valid absolute URL"),
            (
                #"{"url": "https://d.com/x", "events": ["open"], "format": "xml"}"#, "invalid_format",
                "\"form\" or \"json\""
            ),
            (
                #"{"url": "https://d.com/x", "events": ["open"], "secret": "x"}"#, "unknown_field",
                "unknown field 'secret'"
            ),
            (
                #"{"url": "https://d.com/x", "events": ["open"], "description": "a\u0000b"}"#, "invalid_description",
                "control"
            ),
        ])
    func badCreate(body: String, code: String, message: String) async throws {
        try await Harness.run { api, tenants in
            let answer = try await api.call(.post, "/api/v1/loops", key: tenants.alice, body: body)
            #expect(answer.status == .badRequest, "\(answer.body)")
            #expect(answer.errorCode == code, "\(answer.body)")
            #expect(answer.errorMessage.contains(message), "\(answer.errorMessage)")
            let list = try await api.call(.get, "/api/v1/loops", key: tenants.alice)
            #expect((list.json["loops"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("over-long fields and bodies are refused")
    func tooLong() async throws {
        try await Harness.run { api, tenants in
            let longURL = "https://d.com/" + String(repeating: "a", count: 2048)
            let url = try await api.call(
                .post, "/api/v1/loops", key: tenants.alice, body: #"{"url": "\#(longURL)", "events": ["open"]}"#)
            #expect(url.status == .badRequest)
            #expect(url.errorMessage.contains("longer than 2048"))
            let text = String(repeating: "d", count: 1001)
            let description = try await api.call(
                .post, "/api/v1/loops", key: tenants.alice,
                body: #"{"url": "https://d.com/", "events": ["open"], "description": "\#(text)"}"#)
            #expect(description.status == .badRequest)
            #expect(description.errorCode == "invalid_description")
            let huge =
                #"{"url": "https://d.com/", "events": ["open"], "description": ""#
                + String(repeating: "x", count: 1_100_000) + "\"}"
            let body = try await api.call(.post, "/api/v1/loops", key: tenants.alice, body: huge)
            #expect(body.status == .contentTooLarge)
            #expect(body.errorCode == "body_too_large")
        }
    }

    @Test("bad patch and test bodies are refused without changing anything")
    func badPatchAndTest() async throws {
        try await Harness.run { api, tenants in
            let receiver = TestReceiver()
            try await receiver.serve { base in
                let id = try await api.validatedLoop(key: tenants.alice, receiver: receiver, base: base)
                for body in [#"{"url": "gopher://x"}"#, #"{"events": []}"#, #"{"colour": "red"}"#, #"{"url": null}"#] {
                    let answer = try await api.call(.patch, "/api/v1/loops/\(id)", key: tenants.alice, body: body)
                    #expect(answer.status == .badRequest, "\(body): \(answer.body)")
                }
                let loop = try await api.call(.get, "/api/v1/loops/\(id)", key: tenants.alice)
                #expect(loop.json["status"] as? String == "validated")
                #expect(loop.json["url"] as? String == base + "/hooks/receive.php")
                let tests = [
                    (#"{}"#, "either data"),
                    (#"{"data": {"a": 1}, "body": "x"}"#, "not both"),
                    (#"{"data": "text"}"#, "JSON object"),
                    (#"{"body": "x", "content_type": "text/plain\r\nX-Evil: 1"}"#, "content_type"),
                    (#"{"data": {"a": 1}, "content_type": "text/plain"}"#, "content_type goes with body"),
                    (#"{"payload": {}}"#, "unknown field"),
                ]
                for (body, message) in tests {
                    let answer = try await api.call(.post, "/api/v1/loops/\(id)/test", key: tenants.alice, body: body)
                    #expect(answer.status == .badRequest, "\(body): \(answer.body)")
                    #expect(answer.errorMessage.contains(message), "\(answer.errorMessage)")
                }
                #expect(await receiver.posts().isEmpty)
            }
        }
    }

    @Test(
        "numbers as JSON Schema counts them: 5.0 is the integer 5, beyond 15 digits or out of range refused, never a crash"
    )
    func numbers() async throws {
        try await Harness.run { api, tenants in
            let database = try await api.call(.post, "/api/v1/databases", key: tenants.alice, body: #"{"name": "N"}"#)
            let db = try #require(database.json["id"] as? String)
            let profile = try await api.call(
                .post, "/api/v1/databases/\(db)/profiles", key: tenants.alice,
                body: #"{"fields": {"whole": 5.0, "plain": 12, "text": "x"}}"#)
            #expect(profile.status == .created, "\(profile.body)")
            #expect(profile.json["fields"] as? [String: String] == ["whole": "5", "plain": "12", "text": "x"])
            for fields in [
                #"{"n": -9223372036854775808}"#, #"{"n": 1000000000000000}"#, #"{"n": 1.5}"#, #"{"": "x"}"#,
                #"{"n": true}"#,
            ] {
                let refused = try await api.call(
                    .post, "/api/v1/databases/\(db)/profiles", key: tenants.alice, body: #"{"fields": \#(fields)}"#)
                #expect(refused.status == .badRequest && refused.errorCode == "invalid_fields", "\(fields)")
            }
            let message = try await api.createMessage(key: tenants.alice, json: #"{"recipient": "n@example.com"}"#)
            let id = try #require(message["id"] as? String)
            for time in ["-14", "-6116382702650954805673984", "253402300800", "-9223372036854775808"] {
                let refused = try await api.call(
                    .post, "/api/v1/events", key: tenants.alice,
                    body: #"{"type": "delivery", "message": "\#(id)", "code": 250, "time": \#(time)}"#)
                #expect(refused.status == .badRequest && refused.errorCode == "invalid_events", "time \(time)")
            }
            let batch = try await api.call(
                .post, "/api/v1/messages/batch", key: tenants.alice,
                body: #"{"messages": [{"recipient": "a@example.com", "profile": null}]}"#)
            #expect(batch.status == .badRequest && batch.errorMessage.contains("messages[0].profile"), "\(batch.body)")
            let far = try await api.call(
                .post, "/api/v1/events", key: tenants.alice,
                body: #"{"type": "delivery", "message": "\#(id)", "code": 250.0, "time": "1969-01-01T00:00:00Z"}"#)
            #expect(far.status == .accepted, "a time string before 1970 is taken as 1970: \(far.body)")
        }
    }

    @Test("an unknown route is a JSON 404; a known path with another method a JSON 405 naming the allowed ones")
    func unknownRoutes() async throws {
        try await Harness.run { api, tenants in
            let route = try await api.call(.get, "/api/v1/nothing-here", key: tenants.alice)
            #expect(route.status == .notFound)
            #expect(route.errorCode == "not_found")
            let cases: [(HTTPRequest.Method, String, String?, String)] = [
                (.put, "/api/v1/loops", tenants.alice, "GET, POST"),
                (.init("TRACE")!, "/api/v1/loops", nil, "GET, POST"),
                (.init("TRACE")!, "/", nil, "GET"),
                (.post, "/healthz", nil, "GET"),
                (.put, "/api/v1/loops/lp_nothing", tenants.alice, "DELETE, GET, PATCH"),
                // The constant route, not /api/v1/loops/{id}, as the router resolves it.
                (.delete, "/api/v1/loops/check", tenants.alice, "POST"),
            ]
            for (method, path, key, allow) in cases {
                let answer = try await api.call(method, path, key: key)
                #expect(answer.status == .methodNotAllowed, "\(method) \(path): \(answer.status)")
                #expect(answer.errorCode == "method_not_allowed", "\(method) \(path)")
                #expect(answer.headers[.allow] == allow, "\(method) \(path)")
                #expect(answer.headers[.contentType]?.hasPrefix("application/json") == true)
            }
            // The method exists on the path: the route's own answer stands.
            let missing = try await api.call(.get, "/api/v1/loops/lp_nothing", key: tenants.alice)
            #expect(missing.status == .notFound)
        }
    }

    @Test("health answers without a key")
    func health() async throws {
        try await Harness.run { api, _ in
            let answer = try await api.call(.get, "/healthz", key: nil)
            #expect(answer.status == .ok)
            #expect(answer.json["status"] as? String == "ok")
        }
    }
}
