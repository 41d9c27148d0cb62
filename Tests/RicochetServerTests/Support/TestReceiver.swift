import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

@testable import RicochetServer

/// A customer's web server, on loopback: serves configured files, records
/// every request, and answers as told.
actor TestReceiver {
    struct Reply: Sendable {
        var status: HTTPResponse.Status = .ok
        var body = ""
        var headers: [(HTTPField.Name, String)] = []
        var delay: Duration = .zero
    }

    struct Received: Sendable {
        let method: HTTPRequest.Method
        let path: String
        /// The Host header (HTTP types keep it apart from the other fields).
        let authority: String
        let headers: HTTPFields
        let body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Replies per path, used in turn; the last one stays.
    private var replies: [String: [Reply]] = [:]
    private(set) var received: [Received] = []
    /// Requests being answered now, and the most there ever were at once, per path.
    private var inFlight: [String: Int] = [:]
    private(set) var mostInFlight: [String: Int] = [:]

    func set(_ path: String, _ reply: Reply) {
        replies[path] = [reply]
    }

    /// Answers the requests to `path` with `sequence` in turn, then its last forever.
    func set(_ path: String, sequence: [Reply]) {
        replies[path] = sequence
    }

    func record(
        _ method: HTTPRequest.Method, path: String, authority: String, headers: HTTPFields, body: [UInt8]
    ) -> Reply {
        received.append(Received(method: method, path: path, authority: authority, headers: headers, body: body))
        inFlight[path, default: 0] += 1
        mostInFlight[path] = max(mostInFlight[path] ?? 0, inFlight[path] ?? 0)
        guard var sequence = replies[path], let reply = sequence.first else {
            return Reply(status: .notFound, body: "no such file")
        }
        if sequence.count > 1 {
            sequence.removeFirst()
            replies[path] = sequence
        }
        return reply
    }

    func answered(_ path: String) {
        inFlight[path, default: 1] -= 1
    }

    func posts(to path: String) -> [Received] {
        received.filter { $0.method == .post && $0.path == path }
    }

    func posts() -> [Received] {
        received.filter { $0.method == .post }
    }

    /// Runs `body` with the receiver listening; passes its base URL.
    func serve<T: Sendable>(_ body: @escaping @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { [self] request, _ in
            var request = request
            let bytes = try await request.collectBody(upTo: 4 * 1024 * 1024)
            let reply = await self.record(
                request.method, path: request.uri.path, authority: request.head.authority ?? "",
                headers: request.headers, body: Array(bytes.readableBytesView))
            if reply.delay > .zero { try? await Task.sleep(for: reply.delay) }
            await self.answered(request.uri.path)
            var headers = HTTPFields()
            for (name, value) in reply.headers { headers[name] = value }
            return Response(
                status: reply.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: reply.body)))
        }
        router.get("**", use: handler)
        router.post("**", use: handler)
        // Dispatchers may still connect as the receiver stops.
        let app = Application(
            router: router, server: .handedOverHTTP1(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)")
        }
    }
}
