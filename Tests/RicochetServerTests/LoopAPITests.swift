import Foundation
import HTTPTypes
import Testing

@testable import RicochetServer

@Suite("Feedback loop API")
struct LoopAPITests {
    @Test("a new loop is unvalidated, with a unique file and its two candidate URLs")
    func create() async throws {
        try await Harness.run { api, tenants in
            let loop = try await api.createLoop(
                key: tenants.alice, url: "https://d.example/dir/script.php",
                events: ["open", "profile.update", "click"])
            #expect((loop["id"] as? String)?.hasPrefix("loop_") == true)
            #expect(loop["status"] as? String == "unvalidated")
            #expect(loop["format"] as? String == "form")
            #expect(loop["events"] as? [String] == ["open", "click", "profile.update"])
            let validation = loop["validation"] as! [String: Any]
            let filename = validation["filename"] as! String
            #expect(filename.hasPrefix("ricochet-") && filename.hasSuffix(".txt"))
            #expect(
                validation["urls"] as? [String] == [
                    "https://d.example/dir/\(filename)", "https://d.example/\(filename)",
                ])
            let other = try await api.createLoop(key: tenants.alice, url: "https://d.example/dir/script.php")
            let otherValidation = other["validation"] as! [String: Any]
            #expect(otherValidation["filename"] as? String != filename)
            #expect(otherValidation["content"] as? String != validation["content"] as? String)
        }
    }

    @Test("list, show, patch and delete; a new URL needs validating again with a new file")
    func lifecycle() async throws {
        try await Harness.run { api, tenants in
            let receiver = TestReceiver()
            try await receiver.serve { base in
                let id = try await api.validatedLoop(key: tenants.alice, receiver: receiver, base: base)
                let list = try await api.call(.get, "/api/v1/loops", key: tenants.alice)
                #expect((list.json["loops"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])

                let described = try await api.call(
                    .patch, "/api/v1/loops/\(id)", key: tenants.alice,
                    body: #"{"description": "Shop", "format": "json"}"#)
                #expect(described.status == .ok)
                #expect(described.json["description"] as? String == "Shop")
                #expect(described.json["format"] as? String == "json")
                #expect(described.json["status"] as? String == "validated")
                let oldFile = (described.json["validation"] as! [String: Any])["filename"] as! String

                let moved = try await api.call(
                    .patch, "/api/v1/loops/\(id)", key: tenants.alice, body: #"{"url": "https://e.example/x"}"#)
                #expect(moved.json["status"] as? String == "unvalidated")
                #expect((moved.json["validation"] as! [String: Any])["filename"] as? String != oldFile)
                #expect(moved.json["description"] as? String == "Shop")

                let cleared = try await api.call(
                    .patch, "/api/v1/loops/\(id)", key: tenants.alice, body: #"{"description": null}"#)
                #expect(cleared.json["description"] as? String == "")

                #expect(try await api.call(.delete, "/api/v1/loops/\(id)", key: tenants.alice).status == .noContent)
                #expect(try await api.call(.get, "/api/v1/loops/\(id)", key: tenants.alice).status == .notFound)
                #expect(try await api.call(.delete, "/api/v1/loops/\(id)", key: tenants.alice).status == .notFound)
            }
        }
    }

    @Test("the validation file downloads as a text file")
    func download() async throws {
        try await Harness.run { api, tenants in
            let loop = try await api.createLoop(key: tenants.alice, url: "https://d.example/hook")
            let validation = loop["validation"] as! [String: Any]
            let answer = try await api.call(.get, validation["download"] as! String, key: tenants.alice)
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType] == "text/plain; charset=utf-8")
            #expect(
                answer.headers[.contentDisposition] == "attachment; filename=\"\(validation["filename"] as! String)\"")
            #expect(answer.body == (validation["content"] as! String) + "\n")
        }
    }

    @Test("another account's loop answers 404 everywhere, as if it did not exist")
    func tenantIsolation() async throws {
        try await Harness.run { api, tenants in
            let receiver = TestReceiver()
            try await receiver.serve { base in
                let id = try await api.validatedLoop(key: tenants.alice, receiver: receiver, base: base)
                let calls: [(HTTPRequest.Method, String, String?)] = [
                    (.get, "/api/v1/loops/\(id)", nil),
                    (.patch, "/api/v1/loops/\(id)", #"{"description": "mine"}"#),
                    (.get, "/api/v1/loops/\(id)/validation-file", nil),
                    (.post, "/api/v1/loops/\(id)/validate", nil),
                    (.post, "/api/v1/loops/\(id)/test", #"{"data": {"a": "b"}}"#),
                    (.delete, "/api/v1/loops/\(id)", nil),
                ]
                for (method, path, body) in calls {
                    let answer = try await api.call(method, path, key: tenants.bob, body: body)
                    #expect(answer.status == .notFound, "\(method) \(path)")
                    #expect(answer.errorCode == "not_found")
                    let missing = try await api.call(
                        method, path.replacingOccurrences(of: id, with: "loop_nope"), key: tenants.bob, body: body)
                    #expect(missing.body == answer.body.replacingOccurrences(of: id, with: "loop_nope"))
                }
                let list = try await api.call(.get, "/api/v1/loops", key: tenants.bob)
                #expect((list.json["loops"] as? [Any])?.isEmpty == true)
                let check = try await api.call(.post, "/api/v1/loops/check", key: tenants.bob)
                #expect((check.json["results"] as? [Any])?.isEmpty == true)
                #expect(await receiver.posts().isEmpty)
                #expect(
                    try await api.call(.get, "/api/v1/loops/\(id)", key: tenants.alice).json["description"] as? String
                        == "")
            }
        }
    }
}
