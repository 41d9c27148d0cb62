import Foundation
import HTTPTypes
import HummingbirdTesting
import RicochetCore
import Testing

@testable import RicochetServer

@Suite("Test tool and check now")
struct TestToolTests {
    @Test("nothing is sent to a loop that is not validated")
    func unvalidated() async throws {
        try await Harness.run { api, tenants in
            let receiver = TestReceiver()
            try await receiver.serve { base in
                let loop = try await api.createLoop(key: tenants.alice, url: base + "/hooks/receive.php")
                let id = loop["id"] as! String
                let answer = try await api.call(
                    .post, "/api/v1/loops/\(id)/test", key: tenants.alice, body: #"{"data": {"a": "b"}}"#)
                #expect(answer.status == .conflict)
                #expect(answer.errorCode == "loop_not_validated")
                #expect(await receiver.received.isEmpty)
            }
        }
    }

    @Test("form data arrives PHP-encoded, byte for byte, and the answer comes back whole")
    func formRoundTrip() async throws {
        try await Harness.run { api, tenants in
            let receiver = TestReceiver()
            try await receiver.serve { base in
                let id = try await api.validatedLoop(key: tenants.alice, receiver: receiver, base: base)
                await receiver.set(
                    "/hooks/receive.php",
                    .init(status: .accepted, body: "thanks", headers: [(HTTPField.Name("X-Receiver")!, "php")]))
                let answer = try await api.call(
                    .post, "/api/v1/loops/\(id)/test", key: tenants.alice,
                    body:
                        #"{"data": {"type": "open", "recipient": "a+b@d.com", "tags": ["x", "y z"], "fields": {"name": "Zoë", "n": 3}, "flag": true}}"#
                )
                #expect(answer.status == .ok, "\(answer.body)")
                #expect(answer.json["status"] as? Int == 202)
                #expect(answer.json["body"] as? String == "thanks")
                #expect((answer.json["headers"] as? [String: String])?["x-receiver"] == "php")
                #expect(answer.json["duration_ms"] is Int)
                let post = try #require(await receiver.posts().first)
                #expect(post.path == "/hooks/receive.php")
                #expect(post.headers[.contentType] == "application/x-www-form-urlencoded")
                #expect(
                    post.text
                        == "type=open&recipient=a%2Bb%40d.com&tags[]=x&tags[]=y+z&fields[name]=Zo%C3%AB&fields[n]=3&flag=1"
                )
            }
        }
    }

    @Test("JSON loops get the data as JSON, byte for byte; raw bodies go as given")
    func jsonAndRaw() async throws {
        try await Harness.run { api, tenants in
            let receiver = TestReceiver()
            try await receiver.serve { base in
                let loop = try await api.validatedLoopJSON(
                    key: tenants.alice, receiver: receiver, base: base, format: "json")
                let id = loop["id"] as! String
                let secret = try #require(WebhookSecret(loop["secret"] as? String ?? ""))
                await receiver.set("/hooks/receive.php", .init(body: "ok"))
                let json = try await api.call(
                    .post, "/api/v1/loops/\(id)/test", key: tenants.alice,
                    body: #"{"data": {"type": "click", "tags": ["a"], "nested": {"deep": [1, 2.5, null]}}}"#)
                #expect(json.status == .ok)
                let raw = try await api.call(
                    .post, "/api/v1/loops/\(id)/test", key: tenants.alice,
                    body: #"{"body": "<ping/>", "content_type": "application/xml"}"#)
                #expect(raw.status == .ok)
                let posts = await receiver.posts()
                #expect(posts.count == 2)
                #expect(posts[0].headers[.contentType] == "application/json; charset=utf-8")
                #expect(posts[0].text == #"{"type":"click","tags":["a"],"nested":{"deep":[1,2.5,null]}}"#)
                #expect(posts[1].headers[.contentType] == "application/xml")
                #expect(posts[1].text == "<ping/>")
                // Test calls are signed like deliveries, under a test_ id.
                for post in posts {
                    let webhookID = post.headers[HTTPField.Name("webhook-id")!]
                    #expect(webhookID?.hasPrefix("test_") == true)
                    #expect(
                        StandardWebhooks.verify(
                            secret: secret, id: webhookID,
                            timestamp: post.headers[HTTPField.Name("webhook-timestamp")!],
                            signatures: post.headers[HTTPField.Name("webhook-signature")!], body: post.body,
                            now: Date()) == .valid)
                    #expect(post.headers[HTTPField.Name("Signature-Input")!]?.hasPrefix("ricochet=(") == true)
                    #expect(post.headers[HTTPField.Name("Signature")!]?.hasPrefix("ricochet=:") == true)
                }
            }
        }
    }

    @Test("a receiver that does not answer is reported as a transport error")
    func transportErrors() async throws {
        try await Harness.run { api, tenants in
            let receiver = TestReceiver()
            let (id, slowID) = try await receiver.serve { base in
                let id = try await api.validatedLoop(key: tenants.alice, receiver: receiver, base: base)
                let slowID = try await api.validatedLoop(
                    key: tenants.alice, receiver: receiver, base: base, path: "/slow/hook")
                await receiver.set("/slow/hook", .init(body: "late", delay: .seconds(4)))
                let slow = try await api.call(
                    .post, "/api/v1/loops/\(slowID)/test", key: tenants.alice, body: #"{"data": {"a": "1"}}"#)
                #expect(slow.status == .badGateway)
                #expect(slow.errorCode == "receiver_timeout")
                #expect(slow.error["kind"] as? String == "timeout")
                return (id, slowID)
            }
            // The receiver has stopped: connections are refused.
            let refused = try await api.call(
                .post, "/api/v1/loops/\(id)/test", key: tenants.alice, body: #"{"data": {"a": "1"}}"#)
            #expect(refused.status == .badGateway)
            #expect(refused.errorCode == "receiver_connect")
            #expect(refused.errorMessage.contains("refused"))
            _ = slowID
        }
    }

    @Test("a validated loop on a private address is refused when the server does not allow private networks")
    func privateRefused() async throws {
        let database = try Harness.database()
        let receiver = TestReceiver()
        try await receiver.serve { base in
            let (id, key) = try await Harness.run(database: database) { api, tenants in
                (try await api.validatedLoop(key: tenants.alice, receiver: receiver, base: base), tenants.alice)
            }
            let app = try await Harness.application(
                database: database, configuration: Harness.configuration(allowPrivateNetworks: false))
            try await app.test(.live) { client in
                let api = API(client: client)
                let answer = try await api.call(
                    .post, "/api/v1/loops/\(id)/test", key: key, body: #"{"data": {"a": "1"}}"#)
                #expect(answer.status == .unprocessableContent)
                #expect(answer.errorCode == "address_not_allowed")
                #expect(answer.errorMessage.contains("loopback"))
            }
            #expect(await receiver.posts().isEmpty)
        }
    }

    @Test("check now calls every validated loop at once and reports each outcome")
    func checkNow() async throws {
        try await Harness.run { api, tenants in
            let receiver = TestReceiver()
            try await receiver.serve { base in
                let good = try await api.validatedLoop(
                    key: tenants.alice, receiver: receiver, base: base, path: "/a/hook")
                let bad = try await api.validatedLoop(
                    key: tenants.alice, receiver: receiver, base: base, path: "/b/hook", format: "json")
                let unvalidated = try await api.createLoop(key: tenants.alice, url: base + "/c/hook")["id"] as! String
                await receiver.set("/a/hook", .init(body: "ok"))
                await receiver.set("/b/hook", .init(status: .serviceUnavailable))
                let answer = try await api.call(.post, "/api/v1/loops/check", key: tenants.alice)
                #expect(answer.status == .ok)
                let results = answer.json["results"] as? [[String: Any]] ?? []
                #expect(results.map { $0["loop"] as? String } == [good, bad])
                #expect(results.map { $0["status"] as? Int } == [200, 503])
                #expect(answer.json["skipped"] as? [String] == [unvalidated])
                let posts = await receiver.posts()
                let form = try #require(posts.first { $0.path == "/a/hook" })
                #expect(form.text.contains("type=test"))
                let json = try #require(posts.first { $0.path == "/b/hook" })
                #expect(json.text.contains(#""type":"test""#))
                #expect(!posts.contains { $0.path == "/c/hook" })
            }
        }
    }
}
