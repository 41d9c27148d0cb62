import Crypto
import Foundation
import HTTPTypes
import RicochetCore
import Testing

@testable import RicochetServer

/// The signature schemes a loop chooses, in the API and on the wire.
@Suite("Signature schemes per loop")
struct SigningSchemeTests {
    @Test("a loop that asks for the classic signature and v1a gets exactly those, each verifying")
    func classic() async throws {
        let receiver = TestReceiver()
        try await receiver.serve { base in
            try await Harness.run { api, tenants in
                await receiver.set("/hooks/receive.php", .init())
                let loop = try await api.validatedLoopJSON(
                    key: tenants.alice, receiver: receiver, base: base,
                    signing: ["classic-rsa", "standard-webhooks-ed25519"])
                #expect(loop["signing"] as? [String] == ["standard-webhooks-ed25519", "classic-rsa"])
                let publicKey = try #require(loop["ed25519_public_key"] as? String)
                try await DeliveryTests.open(api, key: tenants.alice)
                #expect(try await DeliveryTests.eventually { await !receiver.posts(to: "/hooks/receive.php").isEmpty })
                let post = try #require(await receiver.posts(to: "/hooks/receive.php").first)
                try await DeliveryTests.expectClassicSignature(post, api: api)
                #expect(post.headers[HTTPField.Name("Signature-Input")!] == nil, "no RFC 9421 signature")
                let signatures = try #require(post.headers[HTTPField.Name("webhook-signature")!])
                #expect(!signatures.contains("v1,"), "no HMAC signature: standard-webhooks was not asked for")
                let key = try #require(
                    try? Curve25519.Signing.PublicKey(
                        rawRepresentation: Data(base64Encoded: String(publicKey.dropFirst(5))) ?? Data()))
                #expect(
                    StandardWebhooks.verifyAsymmetric(
                        publicKey: key, id: post.headers[HTTPField.Name("webhook-id")!] ?? "",
                        timestamp: post.headers[HTTPField.Name("webhook-timestamp")!] ?? "", signatures: signatures,
                        body: post.body))
            }
        }
    }

    @Test("signing is checked, changed by PATCH, and the older ed25519 flag adds or removes v1a")
    func api() async throws {
        try await Harness.run { api, tenants in
            for (body, message, status) in [
                (#""signing": []"#, "at least one", HTTPResponse.Status.badRequest),
                (#""signing": ["rot13"]"#, "unknown signature scheme 'rot13'", .badRequest),
                (
                    #""signing": ["classic-rsa", "http-message-signatures"]"#, "both send a Signature header",
                    .unprocessableContent
                ),
                (#""signing": "standard-webhooks""#, "must be an array", .badRequest),
            ] {
                let answer = try await api.call(
                    .post, "/api/v1/loops", key: tenants.alice,
                    body: #"{"url": "https://example.com/h", "events": ["open"], \#(body)}"#)
                #expect(answer.status == status, "\(body)")
                #expect(answer.errorMessage.contains(message), "\(answer.body)")
            }
            let made = try await api.createLoop(key: tenants.alice, url: "https://example.com/h")
            let id = try #require(made["id"] as? String)
            #expect(made["signing"] as? [String] == ["standard-webhooks", "http-message-signatures"])
            #expect(made["ed25519_public_key"] == nil)
            let flagged = try await api.call(
                .patch, "/api/v1/loops/\(id)", key: tenants.alice, body: #"{"ed25519": true}"#)
            #expect(
                flagged.json["signing"] as? [String]
                    == ["standard-webhooks", "standard-webhooks-ed25519", "http-message-signatures"])
            #expect((flagged.json["ed25519_public_key"] as? String)?.hasPrefix("whpk_") == true)
            let classic = try await api.call(
                .patch, "/api/v1/loops/\(id)", key: tenants.alice, body: #"{"signing": ["classic-rsa"]}"#)
            #expect(classic.json["signing"] as? [String] == ["classic-rsa"])
            #expect(classic.json["ed25519_public_key"] == nil, "the key goes with its scheme")
            let refused = try await api.call(
                .patch, "/api/v1/loops/\(id)", key: tenants.alice, body: #"{"signing": ["nope"]}"#)
            #expect(refused.status == .badRequest && refused.errorCode == "invalid_signing")
            let none = try await api.call(
                .patch, "/api/v1/loops/\(id)", key: tenants.alice, body: #"{"signing": ["standard-webhooks-ed25519"]}"#)
            #expect(none.status == .ok)
            let emptied = try await api.call(
                .patch, "/api/v1/loops/\(id)", key: tenants.alice, body: #"{"ed25519": false}"#)
            #expect(emptied.status == .unprocessableContent, "v1a was the only scheme left")
        }
    }

    @Test("the key set publishes an Ed25519 key beside the RSA one, and rotation keeps the old one for its grace")
    func keySet() async throws {
        try await Harness.run { api, _ in
            let answer = try await api.call(.get, "/.well-known/ricochet-keys", key: nil)
            let keys = try #require(answer.json["keys"] as? [[String: Any]])
            let okp = try #require(keys.first { $0["kty"] as? String == "OKP" })
            #expect(okp["crv"] as? String == "Ed25519" && okp["alg"] as? String == "EdDSA")
            #expect((okp["kid"] as? String)?.count == 20)
            #expect(PublishedKeys.parse(answer.bytes).ed25519.keys.first == okp["kid"] as? String)
        }
    }
}
