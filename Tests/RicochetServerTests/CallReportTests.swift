import Foundation
import RicochetCore
import RicochetDelivery
import Testing
import _CryptoExtras

@testable import RicochetServer

/// What `ricochet listen` says of a call.
@Suite("Listen reports")
struct CallReportTests {
    let secret = WebhookSecret.generate()
    /// A loop signing as loops made before the choice of schemes did.
    let loop = {
        var loop = FeedbackLoop.register(
            accountID: "acct_1", url: try! LoopURL("http://127.0.0.1:9001/hooks/in.php?x=1"), events: [.open],
            format: .form, description: "", now: Date())
        loop.signing = SigningScheme.classicDefault
        return loop
    }()

    func report(body: [UInt8], headers: [(name: String, value: String)]) -> CallReport {
        CallReport(
            method: "POST", target: "/hooks/in.php?x=1", authority: "127.0.0.1:9001",
            headers: headers.filter { $0.name != "Host" }, body: body)
    }

    @Test("a call signed like a delivery verifies both ways and shows its fields")
    func valid() throws {
        let body = Array("id=msg_1&type=open&tags%5B%5D=a+b".utf8)
        let headers = LoopSigning(secrets: [secret], key: Harness.signingKey).headers(
            for: loop, webhookID: "evt_1", body: body, contentType: "application/x-www-form-urlencoded", now: Date(),
            userAgent: "Ricochet")
        let keys = [Harness.signingKey.id: Harness.signingKey.privateKey.publicKey]
        let lines = report(body: body, headers: headers).lines(
            secret: secret, keys: PublishedKeys(rsa: keys), now: Date())
        #expect(lines.contains("  Standard Webhooks: valid"))
        #expect(lines.contains("  Signature:         valid (keyId \(Harness.signingKey.id))"))
        #expect(lines.contains("    tags[] = a b"))
    }

    @Test("another secret, a changed body or an unknown key are reported as invalid; missing checks say why")
    func invalid() throws {
        let body = Array(#"{"type":"open"}"#.utf8)
        let headers = LoopSigning(secrets: [secret], key: Harness.signingKey).headers(
            for: loop, webhookID: "evt_1", body: body, contentType: "application/json", now: Date(),
            userAgent: "Ricochet")
        let keys = [Harness.signingKey.id: Harness.signingKey.privateKey.publicKey]
        let changed = report(body: Array(#"{"type":"click"}"#.utf8), headers: headers)
        #expect(changed.standardWebhooks(secret: secret, now: Date()).hasPrefix("INVALID"))
        #expect(changed.classicSignature(keys: keys).hasPrefix("INVALID"))
        let same = report(body: body, headers: headers)
        #expect(same.standardWebhooks(secret: .generate(), now: Date()).hasPrefix("INVALID"))
        #expect(same.classicSignature(keys: [:]).hasPrefix("INVALID: unknown keyId"))
        #expect(same.standardWebhooks(secret: nil, now: Date()) == "not checked (no --secret)")
        #expect(same.classicSignature(keys: nil) == "not checked (no --keys-url)")
        #expect(same.decodedBody == ["{", #"  "type" : "open""#, "}"])
    }

    @Test("a call with the new default schemes reports Standard Webhooks and RFC 9421, each verified")
    func messageSignatures() throws {
        var loop = loop
        loop.signing = SigningScheme.newLoopDefault
        let ed25519 = InstallationEd25519Key.generate()
        let body = Array(#"{"type":"open"}"#.utf8)
        let headers = LoopSigning(secrets: [secret], key: Harness.signingKey, messageKey: ed25519).headers(
            for: loop, webhookID: "evt_1", body: body, contentType: "application/json", now: Date(),
            userAgent: "Ricochet")
        let keys = PublishedKeys(ed25519: [ed25519.id: ed25519.privateKey.publicKey])
        let lines = report(body: body, headers: headers).lines(secret: secret, keys: keys, now: Date())
        #expect(lines.contains("  Standard Webhooks: valid"))
        #expect(lines.contains("  RFC 9421:          valid (keyid \(ed25519.id))"), "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("  Signature:") }, "no classic signature to report")
        let changed = report(body: body + [0x20], headers: headers)
        #expect(
            changed.messageSignature(keys: keys.ed25519, now: Date()) == "INVALID: Content-Digest is not the body's")
        #expect(
            report(body: body, headers: headers).messageSignature(keys: [:], now: Date()).hasPrefix(
                "INVALID: unknown keyid"))
    }
}
