import Foundation
import HTTPTypes
import Testing

@testable import RicochetServer

@Suite("Messages, tracked URLs and the event log")
struct TrackingTests {
    static let newsletter = #"""
        {"recipient": "jane@example.com", "tags": ["may", "news"],
         "html": "<html><body><a href=\"https://shop.example/sale?a=1&amp;b=2\" data-ricochet-tags=\"hero\">Sale</a> <a href=\"mailto:x@y.example\">m</a></body></html>",
         "text": "Sale: https://shop.example/sale-text."}
        """#

    @Test("a message comes back instrumented, with its return path and header")
    func register() async throws {
        try await Harness.run { api, tenants in
            let message = try await api.createMessage(key: tenants.alice, json: Self.newsletter)
            let id = try #require(message["id"] as? String)
            #expect(id.hasPrefix("msg_"))
            let html = try #require(message["html"] as? String)
            #expect(API.trackedPaths(in: html, marker: "/t/c/").count == 1)
            #expect(API.trackedPaths(in: html, marker: "/t/o/").count == 1)
            #expect(html.contains(#"<a href="mailto:x@y.example">m</a>"#))
            #expect(!html.contains("data-ricochet-tags"))
            let text = try #require(message["text"] as? String)
            #expect(text.hasPrefix("Sale: http://127.0.0.1:0/t/c/") && text.hasSuffix("."))
            let returnPath = try #require(message["return_path"] as? String)
            #expect(returnPath.hasPrefix("bounces+") && returnPath.hasSuffix("@127.0.0.1"))
            #expect((message["headers"] as? [String: String])?["X-Ricochet-Message"] == id)
            let links = message["links"] as? [[String: Any]] ?? []
            #expect(
                links.map { $0["url"] as? String } == [
                    "https://shop.example/sale?a=1&b=2", "https://shop.example/sale-text",
                ])
            let shown = try await api.call(.get, "/api/v1/messages/\(id)", key: tenants.alice)
            #expect(shown.status == .ok)
            #expect(try await api.call(.get, "/api/v1/messages/\(id)", key: tenants.bob).status == .notFound)
        }
    }

    @Test("a click on a link with UTF-8 and spaces redirects to it percent-encoded; the event keeps it as written")
    func clickEncoded() async throws {
        try await Harness.run { api, tenants in
            let message = try await api.createMessage(
                key: tenants.alice,
                json:
                    #"{"recipient": "jane@example.com", "html": "<a href=\"https://shop.example/caf\u00e9/\u20ac 1?q=s\u00fc\u00df\">x</a>"}"#
            )
            let path = try #require(API.trackedPaths(in: message["html"] as! String, marker: "/t/c/").first)
            let answer = try await api.call(.get, path, key: nil)
            #expect(answer.status == .found)
            #expect(answer.headers[.location] == "https://shop.example/caf%C3%A9/%E2%82%AC%201?q=s%C3%BC%C3%9F")
            let variables = try #require(try await api.events(key: tenants.alice).first?["variables"] as? [String: Any])
            #expect(variables["original"] as? String == "https://shop.example/caf\u{E9}/\u{20AC} 1?q=s\u{FC}\u{DF}")
        }
    }

    @Test("a click redirects to the original URL and records an enriched event first")
    func click() async throws {
        try await Harness.run { api, tenants in
            let message = try await api.createMessage(key: tenants.alice, json: Self.newsletter)
            let path = try #require(API.trackedPaths(in: message["html"] as! String, marker: "/t/c/").first)
            let answer = try await api.call(
                .get, path, key: nil,
                headers: [.userAgent: "Mozilla/5.0 (Macintosh) Test", .referer: "https://mail.example/"])
            #expect(answer.status == .found)
            #expect(answer.headers[.location] == "https://shop.example/sale?a=1&b=2")
            #expect(answer.headers[.cacheControl]?.contains("no-store") == true)
            let events = try await api.events(key: tenants.alice)
            let event = try #require(events.first)
            #expect(event["type"] as? String == "click")
            #expect(event["message"] as? String == message["id"] as? String)
            let variables = try #require(event["variables"] as? [String: Any])
            #expect(variables["id"] as? String == message["id"] as? String)
            #expect(variables["type"] as? String == "click")
            #expect(variables["recipient"] as? String == "jane@example.com")
            #expect(variables["original"] as? String == "https://shop.example/sale?a=1&b=2")
            #expect(variables["useragent"] as? String == "Mozilla/5.0 (Macintosh) Test")
            #expect(variables["referer"] as? String == "https://mail.example/")
            #expect(variables["ip"] as? String == "127.0.0.1")
            #expect(variables["tags"] as? [String] == ["may", "news", "hero"])
            #expect((variables["timestamp"] as? String)?.count == 19)
            #expect(variables["time"] is Int)
            // Seconds after registering: a scanner at the receiving server, flagged, kept.
            #expect(event["machine"] as? Bool == true)
            #expect(event["machine_reason"] as? String == "too_soon_after_sending")
            #expect(try await api.events(key: tenants.bob).isEmpty)
        }
    }

    @Test("forged or tampered tokens record nothing: clicks answer a plain 404, images a pixel")
    func forged() async throws {
        try await Harness.run { api, tenants in
            let message = try await api.createMessage(key: tenants.alice, json: Self.newsletter)
            let html = message["html"] as! String
            let click = try #require(API.trackedPaths(in: html, marker: "/t/c/").first)
            let pixel = try #require(API.trackedPaths(in: html, marker: "/t/o/").first)
            let flipped = String(click.dropLast()) + (click.hasSuffix("A") ? "B" : "A")
            let bad = try await api.call(.get, flipped, key: nil)
            #expect(bad.status == .notFound)
            #expect(bad.headers[.location] == nil)
            #expect(bad.headers[.contentType] == "text/html; charset=utf-8")
            #expect(try await api.call(.get, "/t/c/not-a-token", key: nil).status == .notFound)
            let badPixel = try await api.call(.get, String(pixel.dropLast(3)) + "xyz", key: nil)
            #expect(badPixel.status == .ok)
            #expect(badPixel.headers[.contentType] == "image/gif")
            // A valid pixel token is not a click token.
            #expect(
                try await api.call(.get, pixel.replacingOccurrences(of: "/t/o/", with: "/t/c/"), key: nil).status
                    == .notFound)
            #expect(try await api.events(key: tenants.alice).isEmpty)
        }
    }

    @Test("the pixel answers an uncacheable GIF and records an open; HEAD is flagged")
    func pixel() async throws {
        try await Harness.run { api, tenants in
            let message = try await api.createMessage(key: tenants.alice, json: Self.newsletter)
            let pixel = try #require(API.trackedPaths(in: message["html"] as! String, marker: "/t/o/").first)
            let answer = try await api.call(.get, pixel, key: nil, headers: [.userAgent: "Thunderbird"])
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType] == "image/gif")
            #expect(answer.bytes.prefix(6) == Array("GIF89a".utf8)[...])
            #expect(answer.headers[.cacheControl]?.contains("no-cache") == true)
            let head = try await api.call(.head, pixel, key: nil, headers: [.userAgent: "Thunderbird"])
            #expect(head.status == .ok)
            let events = try await api.events(key: tenants.alice, query: "?type=open")
            #expect(events.count == 2)
            #expect(events.first?["machine_reason"] as? String == "head_request")
            let variables = events.last?["variables"] as? [String: Any]
            #expect(variables?["type"] as? String == "open")
            #expect(variables?["original"] == nil)
        }
    }

    @Test("X-Forwarded-For counts only from a trusted proxy")
    func forwardedFor() async throws {
        try await Harness.run { api, tenants in
            let message = try await api.createMessage(key: tenants.alice, json: Self.newsletter)
            let pixel = try #require(API.trackedPaths(in: message["html"] as! String, marker: "/t/o/").first)
            _ = try await api.call(.get, pixel, key: nil, headers: [.xForwardedFor: "203.0.113.9"])
            let events = try await api.events(key: tenants.alice)
            #expect((events.first?["variables"] as? [String: Any])?["ip"] as? String == "127.0.0.1")
        }
        try await Harness.run(configure: { $0.trustedProxies = ["127.0.0.1"] }) { api, tenants in
            let message = try await api.createMessage(key: tenants.alice, json: Self.newsletter)
            let pixel = try #require(API.trackedPaths(in: message["html"] as! String, marker: "/t/o/").first)
            _ = try await api.call(.get, pixel, key: nil, headers: [.xForwardedFor: "198.51.100.7, 203.0.113.9"])
            let events = try await api.events(key: tenants.alice)
            #expect((events.first?["variables"] as? [String: Any])?["ip"] as? String == "203.0.113.9")
        }
    }

    @Test("images are fetched once, cached and served; what is not an image becomes a pixel")
    func images() async throws {
        try await Harness.run { api, tenants in
            let receiver = TestReceiver()
            try await receiver.serve { base in
                let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]
                await receiver.set(
                    "/logo.png",
                    .init(body: String(decoding: png, as: UTF8.self), headers: [(.contentType, "image/png")]))
                await receiver.set("/page.html", .init(body: "<html>", headers: [(.contentType, "text/html")]))
                let json =
                    #"{"recipient": "a@b.example", "html": "<img src=\"\#(base)/logo.png\"><img src='\#(base)/page.html'>"}"#
                let message = try await api.createMessage(key: tenants.alice, json: json)
                let images = API.trackedPaths(in: message["html"] as! String, marker: "/t/i/")
                #expect(images.count == 2)
                let first = try await api.call(.get, images[0], key: nil)
                #expect(first.headers[.contentType] == "image/png")
                #expect(first.body == String(decoding: png, as: UTF8.self))
                let second = try await api.call(.get, images[0], key: nil)
                #expect(second.body == first.body)
                #expect(await receiver.received.filter { $0.path == "/logo.png" }.count == 1)
                let page = try await api.call(.get, images[1], key: nil)
                #expect(page.headers[.contentType] == "image/gif")
                let again = try await api.call(.get, images[1], key: nil)
                #expect(again.headers[.contentType] == "image/gif")
                // What failed is not fetched again at once: each open is not a request to the sender.
                #expect(await receiver.received.filter { $0.path == "/page.html" }.count == 1)
                #expect(try await api.events(key: tenants.alice, query: "?type=open").count == 4)
            }
        }
    }

    @Test("the event log filters and pages newest first")
    func paging() async throws {
        try await Harness.run { api, tenants in
            let tagged = try await api.createMessage(key: tenants.alice, json: Self.newsletter)
            let other = try await api.createMessage(
                key: tenants.alice,
                json: #"{"recipient": "b@example.com", "html": "<a href='https://o.example/'>o</a>"}"#)
            let click = try #require(API.trackedPaths(in: tagged["html"] as! String, marker: "/t/c/").first)
            let otherClick = try #require(API.trackedPaths(in: other["html"] as! String, marker: "/t/c/").first)
            for _ in 0..<5 { _ = try await api.call(.get, click, key: nil) }
            _ = try await api.call(.get, otherClick, key: nil)
            var seen: [String] = []
            var query = "?limit=2"
            while true {
                let page = try await api.call(.get, "/api/v1/events" + query, key: tenants.alice)
                seen += (page.json["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                guard let next = page.json["next"] as? String else { break }
                query = "?limit=2&before=\(next)"
            }
            #expect(seen.count == 6)
            #expect(try await api.call(.get, "/api/v1/events" + query, key: tenants.alice).json["next"] is NSNull)
            #expect(Set(seen).count == 6)
            let newest = try await api.events(key: tenants.alice, query: "?limit=1")
            #expect(newest.first?["message"] as? String == other["id"] as? String)
            #expect(try await api.events(key: tenants.alice, query: "?tag=hero").count == 5)
            #expect(try await api.events(key: tenants.alice, query: "?message=\(other["id"] as! String)").count == 1)
            #expect(try await api.events(key: tenants.alice, query: "?type=open").isEmpty)
            #expect(
                try await api.events(
                    key: tenants.alice, query: "?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z"
                ).isEmpty)
            for bad in [
                "?type=nope", "?limit=0", "?limit=x", "?before=-1", "?since=yesterday", "?colour=red", "?message=msg_x",
            ] {
                let answer = try await api.call(.get, "/api/v1/events" + bad, key: tenants.alice)
                #expect(answer.status == .badRequest, "\(bad)")
            }
        }
    }

    @Test("a batch registers all its messages, or none when one is wrong")
    func batch() async throws {
        try await Harness.run { api, tenants in
            let items = (0..<1000).map {
                #"{"recipient": "r\#($0)@example.com", "html": "<a href='https://x.example/\#($0)'>x</a>"}"#
            }
            let answer = try await api.call(
                .post, "/api/v1/messages/batch", key: tenants.alice,
                body: #"{"messages": [\#(items.joined(separator: ","))]}"#)
            #expect(answer.status == .created)
            let messages = answer.json["messages"] as? [[String: Any]] ?? []
            #expect(messages.count == 1000)
            #expect(Set(messages.compactMap { $0["id"] as? String }).count == 1000)
            let broken = #"{"messages": [{"recipient": "ok@example.com"}, {"recipient": "not an address"}]}"#
            let refused = try await api.call(.post, "/api/v1/messages/batch", key: tenants.alice, body: broken)
            #expect(refused.status == .badRequest)
            #expect(refused.errorMessage.contains("messages[1].recipient"))
            let unknown = try await api.call(
                .post, "/api/v1/messages/batch", key: tenants.alice,
                body: #"{"messages": [{"recipient": "a@b.example", "subject": "x"}]}"#)
            #expect(unknown.errorMessage.contains("messages[0]: unknown field 'subject'"))
            for bad in [#"{"recipient": "x"}"#, #"{"recipient": "a@b.example", "tags": [""]}"#, #"{"html": "<p>"}"#] {
                let single = try await api.call(.post, "/api/v1/messages", key: tenants.alice, body: bad)
                #expect(single.status == .badRequest, "\(bad)")
            }
        }
    }
}

extension TrackingTests {
    @Test("with --ip-truncation 24 an open keeps the client's /24 (IPv6 /48), also through a trusted proxy")
    func truncatedAddresses() async throws {
        try await Harness.run(configure: {
            $0.ipTruncation = .network24
            $0.trustedProxies = ["127.0.0.1"]
        }) { api, tenants in
            let first = try await api.createMessage(
                key: tenants.alice, json: #"{"recipient": "a@example.com", "html": "<p>Hi</p>"}"#)
            let second = try await api.createMessage(
                key: tenants.alice, json: #"{"recipient": "b@example.com", "html": "<p>Hi</p>"}"#)
            for (message, forwarded) in [(first, "192.0.2.57"), (second, "2001:db8:1:2:3:4:5:6")] {
                let pixel = try #require(API.trackedPaths(in: message["html"] as? String ?? "", marker: "/t/o/").first)
                let answer = try await api.call(
                    .get, pixel, key: nil, headers: [HTTPField.Name("X-Forwarded-For")!: forwarded])
                #expect(answer.status == .ok)
            }
            let ips = try await api.events(key: tenants.alice, query: "?type=open").compactMap {
                ($0["variables"] as? [String: Any])?["ip"] as? String
            }
            #expect(Set(ips) == ["192.0.2.0", "2001:db8:1::"])
        }
    }
}
