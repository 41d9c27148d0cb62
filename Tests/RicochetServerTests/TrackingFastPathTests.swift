import Foundation
import HTTPTypes
import Testing

@testable import RicochetServer

/// Pixels and clicks are answered in the connection's pipeline, ahead of the
/// router; these tests hold it to HTTP/1.1's rules where the two meet.
@Suite("Tracking fast path")
struct TrackingFastPathTests {
    static let message = #"""
        {"recipient": "jane@example.com", "html": "<p><a href=\"https://shop.example/x\">x</a></p>"}
        """#

    static func request(_ path: String, key: String? = nil, close: Bool = false) -> String {
        var lines = ["GET \(path) HTTP/1.1", "Host: 127.0.0.1", "User-Agent: Mozilla/5.0 (X11) Pipeline"]
        if let key { lines.append("Authorization: Bearer \(key)") }
        if close { lines.append("Connection: close") }
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }

    @Test("pipelined requests are answered in order, whichever path serves each, and every hit is recorded")
    func pipelined() async throws {
        try await Harness.run { api, tenants in
            let message = try await api.createMessage(key: tenants.alice, json: Self.message)
            let html = try #require(message["html"] as? String)
            let pixel = try #require(API.trackedPaths(in: html, marker: "/t/o/").first)
            let click = try #require(API.trackedPaths(in: html, marker: "/t/c/").first)
            let id = try #require(message["id"] as? String)
            let port = try #require(api.client.port)
            // Router first (the fast path must step aside while the router owes an
            // answer), then fast-path requests with router requests between them.
            let (responses, closed) = try await RawHTTP.exchange(
                port: port,
                Self.request("/api/v1/messages/\(id)", key: tenants.alice) + Self.request(pixel)
                    + Self.request(click) + Self.request("/healthz") + Self.request(click)
                    + Self.request("/t/c/forged-token") + Self.request("/healthz"),
                count: 7)
            #expect(!closed)
            #expect(responses.map(\.status) == [200, 200, 302, 200, 302, 404, 200])
            #expect(responses[0].header("content-type")?.hasPrefix("application/json") == true)
            #expect(String(decoding: responses[0].body, as: UTF8.self).contains(id))
            #expect(responses[1].header("content-type") == "image/gif" && responses[1].body.count == 43)
            #expect(responses[2].header("location") == "https://shop.example/x")
            #expect(String(decoding: responses[3].body, as: UTF8.self).contains("\"ok\""))
            #expect(responses[4].header("location") == "https://shop.example/x")
            #expect(responses[5].header("location") == nil)
            let events = try await api.events(key: tenants.alice)
            #expect(events.map { $0["type"] as? String } == ["click", "click", "open"])
        }
    }

    @Test("the fast path answers exactly as the router does, but for the date")
    func sameAnswers() async throws {
        try await Harness.run { api, tenants in
            let message = try await api.createMessage(key: tenants.alice, json: Self.message)
            let html = try #require(message["html"] as? String)
            let port = try #require(api.client.port)
            for path in [
                try #require(API.trackedPaths(in: html, marker: "/t/o/").first),
                try #require(API.trackedPaths(in: html, marker: "/t/c/").first), "/t/c/forged", "/t/o/forged",
            ] {
                // Alone, the fast path answers; behind a router request, the router does.
                let fast = try await RawHTTP.exchange(port: port, Self.request(path), count: 1).responses
                let routed = try await RawHTTP.exchange(
                    port: port, Self.request("/healthz") + Self.request(path), count: 2
                ).responses
                try #require(fast.count == 1 && routed.count == 2)
                let withoutDate = { (response: RawHTTP.Response) in
                    response.headers.filter { $0.0 != "date" }.sorted { $0.0 < $1.0 }.map { "\($0.0): \($0.1)" }
                }
                #expect(fast[0].status == routed[1].status, "\(path)")
                #expect(withoutDate(fast[0]) == withoutDate(routed[1]), "\(path)")
                #expect(fast[0].body == routed[1].body, "\(path)")
                #expect(fast[0].header("date") != nil)
            }
            #expect(try await api.events(key: tenants.alice).count == 4)
        }
    }

    @Test("Connection: close is honoured after a fast-path answer, and what follows is not served")
    func connectionClose() async throws {
        try await Harness.run { api, tenants in
            let message = try await api.createMessage(key: tenants.alice, json: Self.message)
            let pixel = try #require(API.trackedPaths(in: message["html"] as! String, marker: "/t/o/").first)
            let port = try #require(api.client.port)
            let (responses, closed) = try await RawHTTP.exchange(
                port: port, Self.request(pixel, close: true) + Self.request(pixel), count: 2)
            #expect(closed)
            #expect(responses.map(\.status) == [200])
            #expect(responses.first?.header("connection") == "close")
            #expect(try await api.events(key: tenants.alice).count == 1)
        }
    }

    @Test("only GET and HEAD of well-formed pixel and click paths take the fast path")
    func recognised() {
        func kind(_ method: HTTPRequest.Method, _ path: String) -> String? {
            TrackingFastPath.trackedURL(HTTPRequest(method: method, scheme: nil, authority: nil, path: path))
                .map { "\($0.0) \($0.1)" }
        }
        #expect(kind(.get, "/t/o/abc") == "pixel abc")
        #expect(kind(.head, "/t/c/abc?utm=1") == "click abc")
        #expect(kind(.post, "/t/o/abc") == nil)
        #expect(kind(.get, "/t/i/abc") == nil)
        #expect(kind(.get, "/t/o/") == nil)
        #expect(kind(.get, "/t/o/a/b") == nil)
        #expect(kind(.get, "/t/o/a%62c") == nil)
        #expect(kind(.get, "/api/v1/t/o/abc") == nil)
    }
}
