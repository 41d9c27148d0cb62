import Crypto
import Foundation
import Testing

@testable import RicochetCore

@Suite("HTTP Message Signatures (RFC 9421)")
struct HTTPMessageSignatureTests {
    /// RFC 9421 B.1.4's test-key-ed25519 (the 32-byte seed of its PKCS#8 key).
    static let rfcKey = try! Curve25519.Signing.PrivateKey(
        rawRepresentation: Array(
            Data(base64Encoded: "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF")!
        )
        .suffix(32))

    /// B.2's test request.
    static let rfcRequest = HTTPMessageSignature.Request(
        method: "POST", targetURI: "https://example.com/foo?param=Value&Pet=dog",
        headers: [
            ("Host", "example.com"), ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"), ("Content-Type", "application/json"),
            (
                "Content-Digest",
                "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
            ),
            ("Content-Length", "18"),
        ])

    @Test("B.2.6: the base and the Ed25519 signature of RFC 9421, byte for byte")
    func rfcVector() throws {
        let components = ["date", "@method", "@path", "@authority", "content-type", "content-length"]
        let parameters = HTTPMessageSignature.parameters(
            components: components, created: 1_618_884_473, keyID: "test-key-ed25519", algorithm: nil)
        let base = try HTTPMessageSignature.base(
            components: components, parameters: parameters, request: Self.rfcRequest)
        #expect(
            base == """
                "date": Tue, 20 Apr 2021 02:07:55 GMT
                "@method": POST
                "@path": /foo
                "@authority": example.com
                "content-type": application/json
                "content-length": 18
                "@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");\
                created=1618884473;keyid="test-key-ed25519"
                """)
        let signature = try Self.rfcKey.signature(for: Array(base.utf8))
        #expect(
            signature.base64EncodedString()
                == "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==")
        var signed = Self.rfcRequest
        signed.headers += [
            ("Signature-Input", "sig-b26=" + parameters),
            ("Signature", "sig-b26=:\(signature.base64EncodedString()):"),
        ]
        try HTTPMessageSignature.verify(
            signed, body: nil, keys: ["test-key-ed25519": Self.rfcKey.publicKey], label: "sig-b26",
            required: components,
            now: Date(timeIntervalSince1970: 1_618_884_473 + 60))
    }

    @Test("a delivery is signed over its method, URL, digest, type and id, and checks out; any change does not")
    func delivery() throws {
        let key = Curve25519.Signing.PrivateKey()
        let body = Array(#"{"type":"open"}"#.utf8)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var request = HTTPMessageSignature.Request(
            method: "POST", targetURI: "https://hooks.example.com:8443/in?x=1",
            headers: [
                ("Content-Type", "application/json; charset=utf-8"), ("webhook-id", "evt_1"),
                ("Content-Digest", HTTPMessageSignature.contentDigest(body)),
            ])
        #expect(
            HTTPMessageSignature.contentDigest(Array("hello".utf8))
                == "sha-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=:")
        let (input, signature) = try HTTPMessageSignature.sign(
            request, key: key, keyID: "k1", created: Int64(now.timeIntervalSince1970))
        #expect(
            input
                == #"ricochet=("@method" "@target-uri" "content-digest" "content-type" "webhook-id");created=1800000000;keyid="k1";alg="ed25519""#
        )
        request.headers += [("Signature-Input", input), ("Signature", signature)]
        let keys = ["k1": key.publicKey]
        try HTTPMessageSignature.verify(request, body: body, keys: keys, now: now)

        #expect(throws: HTTPMessageSignature.Failure.digestMismatch) {
            try HTTPMessageSignature.verify(request, body: body + [0x20], keys: keys, now: now)
        }
        var elsewhere = request
        elsewhere.targetURI = "https://hooks.example.com:8443/in?x=2"
        #expect(throws: HTTPMessageSignature.Failure.signatureMismatch) {
            try HTTPMessageSignature.verify(elsewhere, body: body, keys: keys, now: now)
        }
        var renamed = request
        renamed.headers[1] = ("webhook-id", "evt_2")
        #expect(throws: HTTPMessageSignature.Failure.signatureMismatch) {
            try HTTPMessageSignature.verify(renamed, body: body, keys: keys, now: now)
        }
        #expect(throws: HTTPMessageSignature.Failure.unknownKey("k1")) {
            try HTTPMessageSignature.verify(request, body: body, keys: [:], now: now)
        }
        #expect(throws: HTTPMessageSignature.Failure.createdOutOfTolerance) {
            try HTTPMessageSignature.verify(request, body: body, keys: keys, now: now + 3600)
        }
        var partial = request
        let (thin, thinSignature) = try HTTPMessageSignature.sign(
            request, components: ["@method"], key: key, keyID: "k1", created: Int64(now.timeIntervalSince1970))
        partial.headers = request.headers.dropLast(2) + [("Signature-Input", thin), ("Signature", thinSignature)]
        #expect(throws: HTTPMessageSignature.Failure.missingComponent("@target-uri"), "it must cover the URL") {
            try HTTPMessageSignature.verify(partial, body: body, keys: keys, now: now)
        }
    }

    @Test("hostile fields are refused, never trapped on")
    func hostile() {
        let now = Date()
        for (input, signature) in [
            ("ricochet=", "ricochet=:AA==:"), ("ricochet=(\"@method\"", "ricochet=:AA==:"),
            ("ricochet=(\"@method\");created=x;keyid=\"k\"", "ricochet=:AA==:"),
            ("other=(\"@method\");created=1;keyid=\"k\"", "ricochet=:AA==:"),
            ("ricochet=(\"@method\" \"\\", "ricochet=:"), ("ricochet=(\"@method\");keyid=\"k\";created=1", "x"),
        ] {
            let request = HTTPMessageSignature.Request(
                method: "POST", targetURI: "https://h.example/",
                headers: [("Signature-Input", input), ("Signature", signature)])
            #expect(throws: HTTPMessageSignature.Failure.self) {
                try HTTPMessageSignature.verify(
                    request, body: nil, keys: ["k": Curve25519.Signing.PrivateKey().publicKey], required: ["@method"],
                    now: now)
            }
        }
    }

    @Test("a signature input with several labels: the one asked for is found past the others' commas")
    func dictionary() throws {
        let field = #"a=("x, y" "z");keyid="q,r", ricochet=("@method");created=5, c=:AA==:"#
        #expect(HTTPMessageSignature.dictionaryMember("ricochet", of: field) == #"("@method");created=5"#)
        #expect(HTTPMessageSignature.dictionaryMember("c", of: field) == ":AA==:")
        #expect(HTTPMessageSignature.dictionaryMember("b", of: field) == nil)
        let (components, parameters) = try HTTPMessageSignature.parseInnerList(#"("a" "b\"c");created=7;keyid="k""#)
        #expect(components == ["a", #"b"c"#])
        #expect(parameters["created"] == .integer(7) && parameters["keyid"] == .string("k"))
    }
}
