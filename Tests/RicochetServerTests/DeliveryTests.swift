import Crypto
import Foundation
import HTTPTypes
import RicochetCore
import Testing
import _CryptoExtras

@testable import RicochetServer

/// Events reach validated loops: signed, retried, logged, and a bad receiver
/// only ever hurts itself.
@Suite("Delivery to feedback loops")
struct DeliveryTests {
    static let message = #"""
        {"recipient": "jane@example.com", "tags": ["may"], "html": "<p>Hi</p>"}
        """#

    /// Polls `condition` for up to `seconds`.
    static func eventually(
        _ seconds: Double = 10, _ condition: @Sendable () async throws -> Bool
    ) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    /// Registers a message and opens its pixel.
    static func open(_ api: API, key: String) async throws {
        let message = try await api.createMessage(key: key, json: Self.message)
        let pixel = try #require(API.trackedPaths(in: message["html"] as! String, marker: "/t/o/").first)
        let answer = try await api.call(.get, pixel, key: nil, headers: [.userAgent: "Mozilla/5.0 (X11) Reader"])
        #expect(answer.status == .ok)
    }

    static func form(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            fields[parts[0], default: ""] += (fields[parts[0]] == nil ? "" : ",") + (parts.count > 1 ? parts[1] : "")
        }
        return fields
    }

    @Test("an open reaches its validated loop at once, signed, and the log shows what was sent and answered")
    func delivered() async throws {
        let receiver = TestReceiver()
        try await receiver.serve { base in
            try await Harness.run { api, tenants in
                await receiver.set("/hooks/receive.php", .init(body: "thanks"))
                let loop = try await api.validatedLoopJSON(key: tenants.alice, receiver: receiver, base: base)
                let id = try #require(loop["id"] as? String)
                let secretText = try #require(loop["secret"] as? String)
                let secret = try #require(WebhookSecret(secretText))
                #expect(try await api.call(.get, "/api/v1/loops/\(id)", key: tenants.alice).json["secret"] == nil)
                // A loop of another account, and an unvalidated one, get nothing.
                _ = try await api.createLoop(key: tenants.alice, url: base + "/hooks/unvalidated.php")
                try await Self.open(api, key: tenants.alice)
                #expect(try await Self.eventually { await !receiver.posts(to: "/hooks/receive.php").isEmpty })
                let post = try #require(await receiver.posts(to: "/hooks/receive.php").first)
                #expect(post.headers[.contentType] == "application/x-www-form-urlencoded")
                let fields = Self.form(post.text)
                #expect(fields["type"] == "open" && fields["recipient"] == "jane@example.com")
                #expect(fields["tags[]"] == "may")
                let events = try await api.events(key: tenants.alice)
                let webhookID = try #require(post.headers[HTTPField.Name("webhook-id")!])
                #expect(webhookID == events.first?["id"] as? String)
                #expect(
                    StandardWebhooks.verify(
                        secret: secret, id: webhookID, timestamp: post.headers[HTTPField.Name("webhook-timestamp")!],
                        signatures: post.headers[HTTPField.Name("webhook-signature")!], body: post.body, now: Date())
                        == .valid)
                #expect(await receiver.posts(to: "/hooks/unvalidated.php").isEmpty)
                #expect(loop["signing"] as? [String] == ["standard-webhooks", "http-message-signatures"])
                try await Self.expectMessageSignature(post, api: api)
                #expect(post.headers[HTTPField.Name("X-Nonce")!] == nil, "no classic signature by default")

                let log = try await api.call(.get, "/api/v1/loops/\(id)/deliveries", key: tenants.alice)
                let deliveries = try #require(log.json["deliveries"] as? [[String: Any]])
                #expect(deliveries.count == 1)
                let deliveryID = try #require(deliveries.first?["id"] as? String)
                #expect(
                    try await Self.eventually {
                        let shown = try await api.call(.get, "/api/v1/deliveries/\(deliveryID)", key: tenants.alice)
                        return shown.json["status"] as? String == "succeeded"
                    })
                let shown = try await api.call(.get, "/api/v1/deliveries/\(deliveryID)", key: tenants.alice)
                #expect(shown.json["body"] as? String == post.text, "the log shows the exact bytes sent")
                #expect(shown.json["webhook_id"] as? String == webhookID)
                let attempts = try #require(shown.json["attempt_log"] as? [[String: Any]])
                #expect(attempts.count == 1)
                #expect(attempts.first?["status"] as? Int == 200)
                #expect(attempts.first?["response_body"] as? String == "thanks")
                let sent = (attempts.first?["request_headers"] as? [[String]] ?? []).reduce(into: [String: String]()) {
                    $0[$1[0].lowercased()] = $1[1]
                }
                #expect(
                    sent["webhook-signature"] == post.headers[HTTPField.Name("webhook-signature")!]
                        && sent["signature"] == post.headers[HTTPField.Name("Signature")!] && sent["signature"] != nil,
                    "the log shows the request's headers as they were sent, signatures included")
                #expect(
                    try await api.call(.get, "/api/v1/deliveries/\(deliveryID)", key: tenants.bob).status
                        == .notFound)
                let other = try await api.call(.get, "/api/v1/loops/\(id)/deliveries", key: tenants.bob)
                #expect(other.status == .notFound)
            }
        }
    }

    /// Checks the RFC 9421 signature of `post` with the Ed25519 key the server publishes.
    static func expectMessageSignature(_ post: TestReceiver.Received, api: API) async throws {
        let keys = try await api.call(.get, "/.well-known/ricochet-keys", key: nil)
        let published = PublishedKeys.parse(keys.bytes)
        #expect(published.ed25519.count == 1 && published.rsa.count == 1, "one key of each")
        let request = HTTPMessageSignature.Request(
            method: "POST", targetURI: "http://\(post.authority)\(post.path)",
            headers: post.headers.map { ($0.name.rawName, $0.value) })
        try HTTPMessageSignature.verify(request, body: post.body, keys: published.ed25519, now: Date())
        #expect(throws: HTTPMessageSignature.Failure.digestMismatch) {
            try HTTPMessageSignature.verify(request, body: post.body + [0x26], keys: published.ed25519, now: Date())
        }
    }

    /// Checks the cavage Signature of `post` with the key the server publishes.
    static func expectClassicSignature(_ post: TestReceiver.Received, api: API) async throws {
        let keys = try await api.call(.get, "/.well-known/ricochet-keys", key: nil)
        #expect(keys.headers[.contentType] == "application/jwk-set+json")
        let jwk = try #require((keys.json["keys"] as? [[String: Any]])?.first)
        let signature = try #require(post.headers[HTTPField.Name("Signature")!])
        #expect(signature.hasPrefix(#"keyId="\#(jwk["kid"] as? String ?? "?")",algorithm="rsa-sha256","#))
        let n = try #require(Base64URL.decode(jwk["n"] as? String ?? "!"))
        let e = try #require(Base64URL.decode(jwk["e"] as? String ?? "!"))
        let publicKey = try _RSA.Signing.PublicKey(n: n, e: e)
        func header(_ name: String) -> String { post.headers[HTTPField.Name(name)!] ?? "" }
        let request = FeedbackSignature.Request(
            method: "POST", target: post.path, host: post.authority, date: header("Date"),
            contentType: header("Content-Type"), contentLength: Int(header("Content-Length")) ?? -1,
            account: header("X-Ricochet-Account"), digest: header("Digest"), nonce: header("X-Nonce"))
        #expect(request.digest == FeedbackSignature.digest(of: post.body))
        #expect(
            FeedbackSignature.verify(
                signatureHeader: signature, request: request, body: post.body, publicKey: publicKey))
        var tampered = request
        tampered.account = "acct_someone_else"
        #expect(
            !FeedbackSignature.verify(
                signatureHeader: signature, request: tampered, body: post.body, publicKey: publicKey))
    }

    @Test("a failed delivery is tried again with the same webhook-id and the same bytes, until it succeeds")
    func retried() async throws {
        let receiver = TestReceiver()
        try await receiver.serve { base in
            try await Harness.run { api, tenants in
                await receiver.set(
                    "/hooks/receive.php",
                    sequence: [.init(status: .internalServerError), .init(status: .found), .init(status: .ok)])
                let loop = try await api.validatedLoopJSON(
                    key: tenants.alice, receiver: receiver, base: base, format: "json",
                    delivery: #"{"retry_schedule": [0, 0.2, 0.2]}"#)
                try await Self.open(api, key: tenants.alice)
                #expect(try await Self.eventually { await receiver.posts(to: "/hooks/receive.php").count == 3 })
                let posts = await receiver.posts(to: "/hooks/receive.php")
                #expect(Set(posts.map { $0.headers[HTTPField.Name("webhook-id")!] }).count == 1)
                #expect(Set(posts.map(\.body)).count == 1)
                #expect(posts.first?.headers[.contentType] == "application/json; charset=utf-8")
                let log = try await api.call(.get, "/api/v1/loops/\(loop["id"]!)/deliveries", key: tenants.alice)
                let id = try #require((log.json["deliveries"] as? [[String: Any]])?.first?["id"] as? String)
                #expect(
                    try await Self.eventually {
                        try await api.call(.get, "/api/v1/deliveries/\(id)", key: tenants.alice).json["status"]
                            as? String
                            == "succeeded"
                    })
                let shown = try await api.call(.get, "/api/v1/deliveries/\(id)", key: tenants.alice)
                let attempts = shown.json["attempt_log"] as? [[String: Any]] ?? []
                #expect(attempts.map { $0["status"] as? Int } == [500, 302, 200], "a redirect is a failure")
                #expect(attempts.first?["error_class"] as? String == "http")
            }
        }
    }

    @Test("when the schedule is used up the delivery fails; retry sends it again")
    func exhaustedThenRetried() async throws {
        let receiver = TestReceiver()
        try await receiver.serve { base in
            try await Harness.run { api, tenants in
                await receiver.set("/hooks/receive.php", .init(status: .badRequest, body: "nope"))
                let loop = try await api.validatedLoopJSON(
                    key: tenants.alice, receiver: receiver, base: base, delivery: #"{"retry_schedule": [0]}"#)
                try await Self.open(api, key: tenants.alice)
                let list = "/api/v1/loops/\(loop["id"]!)/deliveries?status=failed"
                #expect(
                    try await Self.eventually {
                        (try await api.call(.get, list, key: tenants.alice).json["deliveries"] as? [Any])?.count == 1
                    })
                #expect(await receiver.posts(to: "/hooks/receive.php").count == 2)
                let id = try #require(
                    (try await api.call(.get, list, key: tenants.alice).json["deliveries"] as? [[String: Any]])?
                        .first?["id"] as? String)
                await receiver.set("/hooks/receive.php", .init(status: .noContent))
                let retry = try await api.call(.post, "/api/v1/deliveries/\(id)/retry", key: tenants.alice)
                #expect(retry.status == .accepted)
                #expect(
                    try await Self.eventually {
                        try await api.call(.get, "/api/v1/deliveries/\(id)", key: tenants.alice).json["status"]
                            as? String
                            == "succeeded"
                    })
                #expect(
                    try await api.call(.post, "/api/v1/deliveries/dlv_nothing/retry", key: tenants.alice).status
                        == .notFound)
            }
        }
    }

    @Test("410 Gone disables the loop: nothing more is queued until it is enabled again")
    func gone() async throws {
        let receiver = TestReceiver()
        try await receiver.serve { base in
            try await Harness.run { api, tenants in
                await receiver.set("/hooks/receive.php", .init(status: .gone))
                let loop = try await api.validatedLoopJSON(key: tenants.alice, receiver: receiver, base: base)
                let id = try #require(loop["id"] as? String)
                try await Self.open(api, key: tenants.alice)
                #expect(
                    try await Self.eventually {
                        try await api.call(.get, "/api/v1/loops/\(id)", key: tenants.alice).json["disabled"] != nil
                    })
                let shown = try await api.call(.get, "/api/v1/loops/\(id)", key: tenants.alice).json
                #expect((shown["disabled"] as? [String: Any])?["reason"] as? String == "the receiver answered 410 Gone")
                #expect(shown["active"] as? Bool == false)
                try await Self.open(api, key: tenants.alice)
                let log = try await api.call(.get, "/api/v1/loops/\(id)/deliveries", key: tenants.alice)
                #expect((log.json["deliveries"] as? [Any])?.count == 1, "a disabled loop gets no new deliveries")

                await receiver.set("/hooks/receive.php", .init(status: .ok))
                let enabled = try await api.call(
                    .patch, "/api/v1/loops/\(id)", key: tenants.alice, body: #"{"enabled": true}"#)
                #expect(enabled.status == .ok && enabled.json["active"] as? Bool == true)
                try await Self.open(api, key: tenants.alice)
                let succeeded = "/api/v1/loops/\(id)/deliveries?status=succeeded"
                #expect(
                    try await Self.eventually {
                        let log = try await api.call(.get, succeeded, key: tenants.alice)
                        return (log.json["deliveries"] as? [Any])?.count == 1
                    })
            }
        }
    }

    @Test("a receiver that hangs holds only its own deliveries; the other loop gets its event at once")
    func isolated() async throws {
        let receiver = TestReceiver()
        try await receiver.serve { base in
            try await Harness.run { api, tenants in
                // The slow receiver takes 6 s an answer: a fast loop held behind it would wait at least that.
                await receiver.set("/slow/receive.php", .init(delay: .seconds(6)))
                await receiver.set("/fast/receive.php", .init())
                _ = try await api.validatedLoopJSON(
                    key: tenants.alice, receiver: receiver, base: base, path: "/slow/receive.php",
                    delivery: #"{"concurrency": 1, "timeout_seconds": 8}"#)
                _ = try await api.validatedLoopJSON(
                    key: tenants.alice, receiver: receiver, base: base, path: "/fast/receive.php")
                let started = Date()
                for _ in 0..<3 { try await Self.open(api, key: tenants.alice) }
                #expect(try await Self.eventually { await receiver.posts(to: "/fast/receive.php").count == 3 })
                #expect(Date().timeIntervalSince(started) < 5, "the fast loop waited for the slow one")
                #expect(await receiver.posts(to: "/slow/receive.php").count == 1, "concurrency 1: one at a time")
            }
        }
    }

    @Test("after a secret rotation both secrets sign, and the new one is shown once")
    func rotation() async throws {
        let receiver = TestReceiver()
        try await receiver.serve { base in
            try await Harness.run { api, tenants in
                await receiver.set("/hooks/receive.php", .init())
                let loop = try await api.validatedLoopJSON(key: tenants.alice, receiver: receiver, base: base)
                let id = try #require(loop["id"] as? String)
                let oldText = try #require(loop["secret"] as? String)
                let old = try #require(WebhookSecret(oldText))
                let rotated = try await api.call(.post, "/api/v1/loops/\(id)/secrets/rotate", key: tenants.alice)
                #expect(rotated.status == .ok)
                let newText = try #require(rotated.json["secret"] as? String)
                let new = try #require(WebhookSecret(newText))
                #expect(new != old)
                #expect(rotated.json["previous_expires_at"] != nil)
                #expect(
                    try await api.call(
                        .post, "/api/v1/loops/\(id)/secrets/rotate", key: tenants.alice, body: #"{"grace_hours": -1}"#
                    ).status == .badRequest)
                try await Self.open(api, key: tenants.alice)
                #expect(try await Self.eventually { await !receiver.posts(to: "/hooks/receive.php").isEmpty })
                let post = try #require(await receiver.posts(to: "/hooks/receive.php").first)
                let signatures = try #require(post.headers[HTTPField.Name("webhook-signature")!])
                #expect(signatures.split(separator: " ").count == 2)
                for secret in [old, new] {
                    #expect(
                        StandardWebhooks.verify(
                            secret: secret, id: post.headers[HTTPField.Name("webhook-id")!],
                            timestamp: post.headers[HTTPField.Name("webhook-timestamp")!], signatures: signatures,
                            body: post.body, now: Date()) == .valid)
                }
            }
        }
    }

    @Test("recover queues failed deliveries again; replay sends a window's events again with their webhook-ids")
    func recoverAndReplay() async throws {
        let receiver = TestReceiver()
        try await receiver.serve { base in
            try await Harness.run { api, tenants in
                await receiver.set("/hooks/receive.php", .init(status: .internalServerError))
                let loop = try await api.validatedLoopJSON(
                    key: tenants.alice, receiver: receiver, base: base, delivery: #"{"retry_schedule": [0]}"#)
                let id = try #require(loop["id"] as? String)
                let start = Int(Date().timeIntervalSince1970) - 1
                try await Self.open(api, key: tenants.alice)
                try await Self.open(api, key: tenants.alice)
                let failed = "/api/v1/loops/\(id)/deliveries?status=failed"
                #expect(
                    try await Self.eventually {
                        (try await api.call(.get, failed, key: tenants.alice).json["deliveries"] as? [Any])?.count == 2
                    })
                await receiver.set("/hooks/receive.php", .init(status: .ok))
                for far in ["-1.2513168069192724e+85", "1e300", "253402300800", "-1"] {
                    let refused = try await api.call(
                        .post, "/api/v1/loops/\(id)/recover", key: tenants.alice, body: #"{"since": \#(far)}"#)
                    #expect(refused.status == .badRequest, "since \(far): a number beyond year 9999 or before 1970")
                }
                let recovered = try await api.call(
                    .post, "/api/v1/loops/\(id)/recover", key: tenants.alice, body: #"{"since": \#(start)}"#)
                #expect(recovered.status == .accepted && recovered.json["queued"] as? Int == 2)
                let succeeded = "/api/v1/loops/\(id)/deliveries?status=succeeded"
                #expect(
                    try await Self.eventually {
                        (try await api.call(.get, succeeded, key: tenants.alice).json["deliveries"] as? [Any])?.count
                            == 2
                    })
                let firstIDs = Set(
                    await receiver.posts(to: "/hooks/receive.php").map { $0.headers[HTTPField.Name("webhook-id")!] })
                #expect(firstIDs.count == 2)

                let replayed = try await api.call(
                    .post, "/api/v1/loops/\(id)/replay", key: tenants.alice,
                    body: #"{"since": "\#(Date(timeIntervalSince1970: Double(start)).ISO8601Format())"}"#)
                #expect(replayed.status == .accepted && replayed.json["queued"] as? Int == 2)
                #expect(
                    try await Self.eventually {
                        (try await api.call(.get, succeeded, key: tenants.alice).json["deliveries"] as? [Any])?.count
                            == 4
                    })
                let posts = await receiver.posts(to: "/hooks/receive.php")
                #expect(Set(posts.suffix(2).map { $0.headers[HTTPField.Name("webhook-id")!] }) == firstIDs)
                for (bad, status) in [
                    (#"{}"#, HTTPResponse.Status.badRequest), (#"{"since": "yesterday"}"#, .badRequest),
                    (#"{"since": 10, "until": 5}"#, .unprocessableContent),
                    (#"{"since": "4771-07-26T09:51:52Z"}"#, .unprocessableContent),
                ] {
                    let answer = try await api.call(.post, "/api/v1/loops/\(id)/replay", key: tenants.alice, body: bad)
                    #expect(answer.status == status, "\(bad)")
                }
                let unvalidated = try await api.createLoop(key: tenants.alice, url: base + "/other.php")
                let refused = try await api.call(
                    .post, "/api/v1/loops/\(unvalidated["id"]!)/replay", key: tenants.alice, body: #"{"since": 0}"#)
                #expect(refused.status == .conflict)
                #expect(
                    try await api.call(.post, "/api/v1/loops/\(id)/recover", key: tenants.bob, body: #"{"since": 0}"#)
                        .status == .notFound)
            }
        }
    }

    @Test("a batching loop gets JSON arrays of up to max_events, each element with its own id, signed")
    func batched() async throws {
        let receiver = TestReceiver()
        try await receiver.serve { base in
            try await Harness.run { api, tenants in
                await receiver.set("/hooks/receive.php", .init())
                let loop = try await api.validatedLoopJSON(
                    key: tenants.alice, receiver: receiver, base: base, format: "json",
                    delivery: #"{"batch": {"max_events": 5, "max_wait_ms": 300}}"#)
                let secret = try #require(WebhookSecret(loop["secret"] as? String ?? ""))
                for _ in 0..<12 { try await Self.open(api, key: tenants.alice) }
                let elements: @Sendable () async -> [[String: Any]] = {
                    await receiver.posts(to: "/hooks/receive.php").flatMap { post in
                        (try? JSONSerialization.jsonObject(with: Data(post.body)) as? [[String: Any]]) ?? []
                    }
                }
                #expect(try await Self.eventually { await elements().count == 12 })
                let posts = await receiver.posts(to: "/hooks/receive.php")
                #expect(posts.count >= 3, "at most five events a request")
                for post in posts {
                    let array = try #require(try JSONSerialization.jsonObject(with: Data(post.body)) as? [Any])
                    #expect((1...5).contains(array.count))
                    #expect(post.headers[HTTPField.Name("webhook-id")!]?.hasPrefix("batch_") == true)
                    #expect(
                        StandardWebhooks.verify(
                            secret: secret, id: post.headers[HTTPField.Name("webhook-id")!],
                            timestamp: post.headers[HTTPField.Name("webhook-timestamp")!],
                            signatures: post.headers[HTTPField.Name("webhook-signature")!], body: post.body,
                            now: Date()) == .valid)
                }
                let ids = await elements().compactMap { $0["event"] as? String }
                #expect(Set(ids).count == 12, "each element carries its own event id")
                // Answers are written down just behind the requests: the log catches up.
                let succeeded = "/api/v1/loops/\(loop["id"]!)/deliveries?status=succeeded"
                #expect(
                    try await Self.eventually {
                        (try await api.call(.get, succeeded, key: tenants.alice).json["deliveries"] as? [Any])?.count
                            == 12
                    })
                let form = try await api.call(
                    .post, "/api/v1/loops", key: tenants.alice,
                    body:
                        #"{"url": "https://a.example/h", "events": ["open"], "delivery": {"batch": {"max_events": 5, "max_wait_ms": 10}}}"#
                )
                #expect(form.status == .unprocessableContent && form.errorMessage.contains("json"))
            }
        }
    }

    @Test("a loop may ask for v1a Ed25519 signatures too; its public key is shown, and they verify")
    func ed25519() async throws {
        let receiver = TestReceiver()
        try await receiver.serve { base in
            try await Harness.run { api, tenants in
                await receiver.set("/hooks/receive.php", .init())
                let loop = try await api.createLoop(key: tenants.alice, url: base + "/hooks/receive.php")
                let id = try #require(loop["id"] as? String)
                #expect(loop["ed25519_public_key"] == nil)
                let patched = try await api.call(
                    .patch, "/api/v1/loops/\(id)", key: tenants.alice, body: #"{"ed25519": true}"#)
                let publicText = try #require(patched.json["ed25519_public_key"] as? String)
                #expect(publicText.hasPrefix("whpk_"))
                let raw = try #require(Data(base64Encoded: String(publicText.dropFirst(5))))
                let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
                let validation = try #require(loop["validation"] as? [String: Any])
                await receiver.set(
                    "/hooks/" + (validation["filename"] as? String ?? ""),
                    .init(body: validation["content"] as? String ?? ""))
                #expect(try await api.call(.post, "/api/v1/loops/\(id)/validate", key: tenants.alice).status == .ok)
                try await Self.open(api, key: tenants.alice)
                #expect(try await Self.eventually { await !receiver.posts(to: "/hooks/receive.php").isEmpty })
                let post = try #require(await receiver.posts(to: "/hooks/receive.php").first)
                let signatures = try #require(post.headers[HTTPField.Name("webhook-signature")!])
                #expect(signatures.split(separator: " ").map { $0.prefix(3) } == ["v1,", "v1a"])
                #expect(
                    StandardWebhooks.verifyAsymmetric(
                        publicKey: publicKey, id: post.headers[HTTPField.Name("webhook-id")!] ?? "",
                        timestamp: post.headers[HTTPField.Name("webhook-timestamp")!] ?? "", signatures: signatures,
                        body: post.body))
                let off = try await api.call(
                    .patch, "/api/v1/loops/\(id)", key: tenants.alice, body: #"{"ed25519": false}"#)
                #expect(off.json["ed25519_public_key"] == nil)
            }
        }
    }

    @Test("delivery settings are checked and kept")
    func settings() async throws {
        try await Harness.run { api, tenants in
            let created = try await api.createLoop(
                key: tenants.alice, url: "https://a.example/hook",
                delivery: #"{"concurrency": 2, "rate_limit": 5, "retry_schedule": [1, 60]}"#)
            let delivery = try #require(created["delivery"] as? [String: Any])
            #expect(delivery["concurrency"] as? Int == 2)
            #expect(delivery["rate_limit"] as? Double == 5)
            #expect(delivery["retry_schedule"] as? [Double] == [1, 60])
            #expect(delivery["timeout_seconds"] as? Double == 15)
            let id = try #require(created["id"] as? String)
            let patched = try await api.call(
                .patch, "/api/v1/loops/\(id)", key: tenants.alice, body: #"{"delivery": {"rate_limit": null}}"#)
            #expect((patched.json["delivery"] as? [String: Any])?["rate_limit"] is NSNull)
            #expect((patched.json["delivery"] as? [String: Any])?["concurrency"] as? Int == 2)
            for bad in [
                #"{"concurrency": 0}"#, #"{"timeout_seconds": 600}"#, #"{"retry_schedule": []}"#,
                #"{"rate_limit": -1}"#, #"{"colour": "red"}"#, #"{"concurrency": "4"}"#,
            ] {
                let answer = try await api.call(
                    .patch, "/api/v1/loops/\(id)", key: tenants.alice, body: #"{"delivery": \#(bad)}"#)
                #expect(answer.status == .badRequest, "\(bad): \(answer.body)")
            }
        }
    }
}
