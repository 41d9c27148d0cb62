import Foundation
import HTTPTypes
import Testing

@testable import RicochetServer

@Suite("One-click unsubscribe")
struct UnsubscribeTests {
    /// The one-click URL's path and the mailto address of a message's `List-Unsubscribe`.
    static func links(of message: [String: Any]) throws -> (path: String, mail: String?) {
        let headers = try #require(message["headers"] as? [String: String])
        #expect(headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
        let value = try #require(headers["List-Unsubscribe"])
        let url = try #require(value.firstMatch(of: /<https?:\/\/[^\/>]+(\/u\/[a-z2-7]+)>/)?.1)
        return (String(url), value.firstMatch(of: /<mailto:([^>]+)>/).map { String($0.1) })
    }

    @Test(
        "a one-click POST unsubscribes (event to the loop, address suppressed); a GET only shows the page; forged tokens do nothing"
    )
    func oneClick() async throws {
        let receiver = TestReceiver()
        try await receiver.serve { base in
            try await Harness.run { api, tenants in
                await receiver.set("/hooks/receive.php", .init())
                _ = try await api.validatedLoopJSON(
                    key: tenants.alice, receiver: receiver, base: base, format: "json",
                    events: ["unsubscribe", "suppression.create"])
                let message = try await api.createMessage(
                    key: tenants.alice, json: #"{"recipient": "Jane@Example.com", "tags": ["may"]}"#)
                let (path, mail) = try Self.links(of: message)
                #expect(mail == nil, "no mailto: without the SMTP receiver")

                let page = try await api.call(.get, path, key: nil)
                #expect(page.status == .ok && page.body.contains(#"<form method="post">"#))
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                let token = path.dropFirst(3)
                let forged = "/u/" + token.dropLast() + (token.last == "a" ? "b" : "a")
                #expect(try await api.call(.get, forged, key: nil).status == .notFound)
                let refused = try await api.call(
                    .post, forged, key: nil, body: "List-Unsubscribe=One-Click",
                    headers: [.contentType: "application/x-www-form-urlencoded"])
                #expect(refused.status == .notFound && refused.body.contains("not valid"))

                let done = try await api.call(
                    .post, path, key: nil, body: "List-Unsubscribe=One-Click",
                    headers: [.contentType: "application/x-www-form-urlencoded", .userAgent: "Mail/1.0"])
                #expect(done.status == .ok && done.body.contains("You are unsubscribed"))
                // The GETs and the forged POSTs were answered before this POST: had one of them recorded
                // anything, there would be more than one event here.
                let events = try await api.events(key: tenants.alice, query: "?type=unsubscribe")
                #expect(events.count == 1)
                let entry = try await api.call(.get, "/api/v1/suppressions/jane@example.com", key: tenants.alice)
                #expect(entry.status == .ok && entry.json["reason"] as? String == "unsubscribe")
                #expect(entry.json["event"] as? String == events.first?["id"] as? String)

                #expect(
                    try await DeliveryTests.eventually(30) {
                        await receiver.posts(to: "/hooks/receive.php").count == 2
                    })
                let posted = await receiver.posts(to: "/hooks/receive.php").compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any]
                }
                let unsubscribe = try #require(posted.first { $0["type"] as? String == "unsubscribe" })
                #expect(unsubscribe["recipient"] as? String == "Jane@Example.com")
                #expect(unsubscribe["method"] as? String == "one-click")
                #expect(unsubscribe["useragent"] as? String == "Mail/1.0")
                #expect(unsubscribe["tags"] as? [String] == ["may"])
                #expect(unsubscribe["id"] as? String == message["id"] as? String)
                #expect(
                    posted.contains { $0["type"] as? String == "create" && $0["reason"] as? String == "unsubscribe" })

                let confirmed = try await api.call(
                    .post, path, key: nil, body: "List-Unsubscribe=One-Click&from=page",
                    headers: [.contentType: "application/x-www-form-urlencoded"])
                #expect(confirmed.status == .ok, "asking again is answered the same")
                let again = try await api.events(key: tenants.alice, query: "?type=unsubscribe")
                #expect(again.first.flatMap { ($0["variables"] as? [String: Any])?["method"] as? String } == "page")
                let created = try await api.events(key: tenants.alice, query: "?type=suppression.create")
                #expect(created.count == 1, "already suppressed: no second entry")
            }
        }
    }

    @Test("a mail to the mailto: address unsubscribes; the address takes no forged token")
    func byMail() async throws {
        try await BounceIntakeTests.withLoop(wanting: ["unsubscribe"]) { api, tenants, port, posts in
            let message = try await api.createMessage(key: tenants.alice, json: #"{"recipient": "joe@example.org"}"#)
            let mail = try #require(try Self.links(of: message).mail)
            #expect(mail.hasPrefix("unsubscribe+") && mail.hasSuffix("@127.0.0.1"))
            let forged = "unsubscribe+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@127.0.0.1"
            let transcript = try await SMTPTestClient.send(
                port: port, from: "joe@example.org", to: [forged, mail],
                message: "From: joe@example.org\nTo: \(mail)\nSubject: unsubscribe\n\nunsubscribe\n")
            #expect(transcript.contains("550 5.1.1"), "the forged address is refused")
            #expect(transcript.contains("250 2.0.0 Ok: queued as inb_"))
            #expect(try await DeliveryTests.eventually(30) { await posts().count == 1 })
            let event = try #require(await posts().first)
            #expect(event["type"] as? String == "unsubscribe" && event["method"] as? String == "mail")
            #expect(event["ip"] as? String == "127.0.0.1")
            let entry = try await api.call(.get, "/api/v1/suppressions/joe@example.org", key: tenants.alice)
            #expect(entry.status == .ok && entry.json["reason"] as? String == "unsubscribe")
        }
    }
}
