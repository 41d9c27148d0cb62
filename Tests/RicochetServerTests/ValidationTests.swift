import Foundation
import HTTPTypes
import Testing

@Suite("Loop validation against a real server")
struct ValidationTests {
    /// A loop at `base/dir/script.php`; returns (id, filename, content).
    static func loop(_ api: API, key: String, base: String) async throws -> (String, String, String) {
        let loop = try await api.createLoop(key: key, url: base + "/dir/script.php")
        let validation = loop["validation"] as! [String: Any]
        return (loop["id"] as! String, validation["filename"] as! String, validation["content"] as! String)
    }

    static func attempts(_ answer: API.Answer) -> [[String: Any]] {
        answer.error["attempts"] as? [[String: Any]] ?? []
    }

    @Test("the file in the script's directory validates the loop")
    func scriptDirectory() async throws {
        try await Harness.run { api, tenants in
            let receiver = TestReceiver()
            try await receiver.serve { base in
                let (id, filename, content) = try await Self.loop(api, key: tenants.alice, base: base)
                await receiver.set("/dir/\(filename)", .init(body: "\n  \(content)  \r\n"))
                let answer = try await api.call(.post, "/api/v1/loops/\(id)/validate", key: tenants.alice)
                #expect(answer.status == .ok)
                #expect(answer.json["status"] as? String == "validated")
                #expect(answer.json["validated_at"] is String)
                #expect(await receiver.received.map(\.path) == ["/dir/\(filename)"])
            }
        }
    }

    @Test("the file in the web root validates the loop after the directory is tried")
    func webRoot() async throws {
        try await Harness.run { api, tenants in
            let receiver = TestReceiver()
            try await receiver.serve { base in
                let (id, filename, content) = try await Self.loop(api, key: tenants.alice, base: base)
                await receiver.set("/\(filename)", .init(body: content))
                let answer = try await api.call(.post, "/api/v1/loops/\(id)/validate", key: tenants.alice)
                #expect(answer.status == .ok)
                #expect(answer.json["status"] as? String == "validated")
                #expect(await receiver.received.map(\.path) == ["/dir/\(filename)", "/\(filename)"])
            }
        }
    }

    @Test("wrong content answers 422 with what came back")
    func wrongContent() async throws {
        try await Harness.run { api, tenants in
            let receiver = TestReceiver()
            try await receiver.serve { base in
                let (id, filename, _) = try await Self.loop(api, key: tenants.alice, base: base)
                await receiver.set("/dir/\(filename)", .init(body: "something else"))
                let answer = try await api.call(.post, "/api/v1/loops/\(id)/validate", key: tenants.alice)
                #expect(answer.status == .unprocessableContent)
                #expect(answer.errorCode == "validation_failed")
                let attempts = Self.attempts(answer)
                #expect(attempts.count == 2)
                #expect(attempts[0]["url"] as? String == "\(base)/dir/\(filename)")
                #expect(attempts[0]["status"] as? Int == 200)
                #expect(attempts[0]["body"] as? String == "something else")
                #expect((attempts[0]["explanation"] as? String)?.contains("content differs") == true)
                #expect(attempts[1]["status"] as? Int == 404)
                let loop = try await api.call(.get, "/api/v1/loops/\(id)", key: tenants.alice)
                #expect(loop.json["status"] as? String == "unvalidated")
            }
        }
    }

    @Test("a missing file answers 422 with both 404s")
    func missing() async throws {
        try await Harness.run { api, tenants in
            let receiver = TestReceiver()
            try await receiver.serve { base in
                let (id, _, _) = try await Self.loop(api, key: tenants.alice, base: base)
                let answer = try await api.call(.post, "/api/v1/loops/\(id)/validate", key: tenants.alice)
                #expect(answer.status == .unprocessableContent)
                #expect(Self.attempts(answer).map { $0["status"] as? Int } == [404, 404])
                #expect(Self.attempts(answer).allSatisfy { $0["matched"] as? Bool == false })
            }
        }
    }

    @Test("a slow server times out and says so")
    func slow() async throws {
        try await Harness.run { api, tenants in
            let receiver = TestReceiver()
            try await receiver.serve { base in
                let (id, filename, content) = try await Self.loop(api, key: tenants.alice, base: base)
                await receiver.set("/dir/\(filename)", .init(body: content, delay: .seconds(5)))
                await receiver.set("/\(filename)", .init(body: content, delay: .seconds(5)))
                let answer = try await api.call(.post, "/api/v1/loops/\(id)/validate", key: tenants.alice)
                #expect(answer.status == .unprocessableContent)
                let errors = Self.attempts(answer).map { $0["error"] as? [String: Any] }
                #expect(errors.map { $0?["kind"] as? String } == ["timeout", "timeout"])
            }
        }
    }

    @Test("a redirect is not followed and is reported as such")
    func redirect() async throws {
        try await Harness.run { api, tenants in
            let receiver = TestReceiver()
            try await receiver.serve { base in
                let (id, filename, content) = try await Self.loop(api, key: tenants.alice, base: base)
                await receiver.set(
                    "/dir/\(filename)", .init(status: .found, headers: [(.location, "\(base)/elsewhere.txt")]))
                await receiver.set(
                    "/\(filename)", .init(status: .movedPermanently, headers: [(.location, "\(base)/elsewhere.txt")]))
                await receiver.set("/elsewhere.txt", .init(body: content))
                let answer = try await api.call(.post, "/api/v1/loops/\(id)/validate", key: tenants.alice)
                #expect(answer.status == .unprocessableContent)
                let attempts = Self.attempts(answer)
                #expect(attempts.map { $0["status"] as? Int } == [302, 301])
                #expect((attempts[0]["explanation"] as? String)?.contains("redirect to \(base)/elsewhere.txt") == true)
                #expect(await !receiver.received.map(\.path).contains("/elsewhere.txt"))
            }
        }
    }

    @Test("without --allow-private-networks a loopback URL is refused, with the reason")
    func privateRefused() async throws {
        try await Harness.run(allowPrivateNetworks: false) { api, tenants in
            let receiver = TestReceiver()
            try await receiver.serve { base in
                let (id, filename, content) = try await Self.loop(api, key: tenants.alice, base: base)
                await receiver.set("/dir/\(filename)", .init(body: content))
                let answer = try await api.call(.post, "/api/v1/loops/\(id)/validate", key: tenants.alice)
                #expect(answer.status == .unprocessableContent)
                let errors = Self.attempts(answer).map { $0["error"] as? [String: Any] }
                #expect(errors.map { $0?["kind"] as? String } == ["refused_address", "refused_address"])
                #expect((errors[0]?["message"] as? String)?.contains("--allow-private-networks") == true)
                #expect(await receiver.received.isEmpty)
            }
        }
    }

    @Test("an IPv6 loopback URL is refused as a refusal at validation (422, refused_address)")
    func ipv6Refused() async throws {
        try await Harness.run(allowPrivateNetworks: false) { api, tenants in
            let loop = try await api.createLoop(key: tenants.alice, url: "http://[::1]:19999/dir/script.php")
            let id = try #require(loop["id"] as? String)
            let answer = try await api.call(.post, "/api/v1/loops/\(id)/validate", key: tenants.alice)
            #expect(answer.status == .unprocessableContent)
            let errors = Self.attempts(answer).map { $0["error"] as? [String: Any] }
            #expect(errors.map { $0?["kind"] as? String } == ["refused_address", "refused_address"], "\(answer.body)")
            let message = errors.first??["message"] as? String ?? ""
            #expect(message.contains("::1") && !message.contains("[["), "\(message)")
        }
    }
}
