import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import RicochetCore
import RicochetSQLite
import RicochetStore
import Synchronization
import Testing

@testable import RicochetServer

/// Two accounts' keys on a fresh database.
struct Tenants: Sendable {
    let alice: String
    let bob: String
}

/// A Ricochet server on loopback, on a fresh SQLite file, as `ricochet serve`
/// builds it.
enum Harness {
    /// One RSA key for every test server: making one takes long in a debug build.
    static let signingKey = try! InstallationKey.generate()

    /// A new SQLite file's path, in a folder of its own under ``root``.
    static func database() throws -> String {
        let directory = root.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("ricochet.db").path
    }

    /// This test process's databases, all under one folder that goes when the
    /// process exits.
    static let root: URL = {
        atexit { try? FileManager.default.removeItem(at: Harness.rootPath(of: getpid())) }
        return rootPath(of: getpid())
    }()

    private static func rootPath(of process: pid_t) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ricochet-tests-\(process)")
    }

    static func tenants(in path: String) async throws -> Tenants {
        let store = try await SQLiteStore.open(path: path, logger: Logger(label: "test"))
        let alice = APIKey.generate()
        let bob = APIKey.generate()
        _ = try await store.createAccount(name: "alice", key: alice, now: Date())
        _ = try await store.createAccount(name: "bob", key: bob, now: Date())
        try await store.addSigningKey(id: signingKey.id, privateKey: signingKey.pem, now: Date(), grace: 0)
        await store.close()
        return Tenants(alice: alice.secret, bob: bob.secret)
    }

    static func configuration(allowPrivateNetworks: Bool = true, timeout: Duration = .seconds(2)) -> AppConfiguration {
        AppConfiguration(
            host: "127.0.0.1", port: 0, allowPrivateNetworks: allowPrivateNetworks, validationTimeout: timeout,
            testTimeout: timeout, logLevel: .warning)
    }

    /// The server as `ricochet serve` builds it, on the SQLite file at `path`
    /// (which the server closes when it stops).
    static func application(
        database path: String, configuration: AppConfiguration, bound: BoundPorts? = nil
    ) async throws -> some ApplicationProtocol {
        let store = try await SQLiteStore.open(path: path, logger: Logger(label: "test"))
        return try await buildApplication(configuration, store: store) { bound?.set($0) }
    }

    /// Runs `body` against a live server on a new database with two accounts.
    static func run<T: Sendable>(
        allowPrivateNetworks: Bool = true,
        database path: String? = nil,
        configure: (inout AppConfiguration) -> Void = { _ in },
        bound: BoundPorts? = nil,
        _ body: @escaping @Sendable (API, Tenants) async throws -> T
    ) async throws -> T {
        let path = try path ?? database()
        let tenants = try await tenants(in: path)
        var configuration = configuration(allowPrivateNetworks: allowPrivateNetworks)
        configure(&configuration)
        let app = try await application(database: path, configuration: configuration, bound: bound)
        return try await app.test(.live) { client in
            try await body(API(client: client), tenants)
        }
    }
}

/// Calls the API as a client would, and reads answers as JSON.
struct API: Sendable {
    let client: any TestClientProtocol

    struct Answer: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String
        let bytes: [UInt8]

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }

        /// `error.code` of an error answer.
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var errorMessage: String { (json["error"] as? [String: Any])?["message"] as? String ?? "" }
        var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
    }

    func call(
        _ method: HTTPRequest.Method, _ path: String, key: String?, body: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> Answer {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(
            uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        ) { response in
            Answer(
                status: response.status, headers: response.headers, body: String(buffer: response.body),
                bytes: Array(response.body.readableBytesView))
        }
    }

    /// Registers a loop and returns its JSON.
    func createLoop(
        key: String, url: String, events: [String] = ["open"], format: String = "form", delivery: String? = nil,
        signing: [String]? = nil
    ) async throws -> [String: Any] {
        let events = events.map { "\"\($0)\"" }.joined(separator: ",")
        let settings =
            (delivery.map { #", "delivery": \#($0)"# } ?? "")
            + (signing.map { #", "signing": [\#($0.map { "\"\($0)\"" }.joined(separator: ","))]"# } ?? "")
        let answer = try await call(
            .post, "/api/v1/loops", key: key,
            body: #"{"url": "\#(url)", "events": [\#(events)], "format": "\#(format)"\#(settings)}"#)
        #expect(answer.status == .created, "\(answer.body)")
        return answer.json
    }

    /// Registers a loop at `receiver`, places its file, validates it; returns its id.
    func validatedLoop(
        key: String, receiver: TestReceiver, base: String, path: String = "/hooks/receive.php",
        format: String = "form"
    ) async throws -> String {
        try await validatedLoopJSON(key: key, receiver: receiver, base: base, path: path, format: format)["id"]
            as! String
    }

    /// Like ``validatedLoop``, and returns the creation answer (with the secret).
    func validatedLoopJSON(
        key: String, receiver: TestReceiver, base: String, path: String = "/hooks/receive.php",
        format: String = "form", events: [String] = ["open"], delivery: String? = nil, signing: [String]? = nil
    ) async throws -> [String: Any] {
        let loop = try await createLoop(
            key: key, url: base + path, events: events, format: format, delivery: delivery, signing: signing)
        let validation = loop["validation"] as! [String: Any]
        let filename = validation["filename"] as! String
        let directory = String(path[...path.lastIndex(of: "/")!])
        await receiver.set(directory + filename, .init(body: validation["content"] as! String))
        let id = loop["id"] as! String
        let answer = try await call(.post, "/api/v1/loops/\(id)/validate", key: key)
        #expect(answer.status == .ok, "\(answer.body)")
        return loop
    }
}

extension API {
    /// Registers a message and returns its JSON.
    func createMessage(key: String, json: String) async throws -> [String: Any] {
        let answer = try await call(.post, "/api/v1/messages", key: key, body: json)
        #expect(answer.status == .created, "\(answer.body)")
        return answer.json
    }

    /// The path of the first URL in `text` that contains `marker` (`/t/c/`, `/t/i/`, `/t/o/`).
    static func trackedPaths(in text: String, marker: String) -> [String] {
        text.components(separatedBy: "http://127.0.0.1:0").dropFirst()
            .map { String($0.prefix { !"\"' <>\n".contains($0) }) }
            .filter { $0.hasPrefix(marker) }
    }

    func events(key: String, query: String = "") async throws -> [[String: Any]] {
        let answer = try await call(.get, "/api/v1/events" + query, key: key)
        #expect(answer.status == .ok, "\(answer.body)")
        return answer.json["events"] as? [[String: Any]] ?? []
    }
}

/// The ports a test server's listeners were bound to: configured with port 0,
/// each gets one of its own from the kernel, and no other test can take it
/// between a look-up and the bind.
final class BoundPorts: Sendable {
    private let state = Mutex<(ready: ServerReady?, waiting: [CheckedContinuation<ServerReady, Never>])>((nil, []))

    func set(_ ready: ServerReady) {
        let waiting = state.withLock { state in
            state.ready = ready
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume(returning: ready) }
    }

    /// Once every listener is bound.
    func ready() async -> ServerReady {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> ServerReady? in
                if let ready = state.ready { return ready }
                state.waiting.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
