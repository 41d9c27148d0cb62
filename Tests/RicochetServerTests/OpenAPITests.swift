import Foundation
import Hummingbird
import Logging
import RicochetCore
import RicochetDelivery
import RicochetSQLite
import RicochetStore
import Testing

@testable import RicochetServer

@Suite("OpenAPI document")
struct OpenAPITests {
    static let repositoryFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("openapi.yaml")

    /// `METHOD /path` for every operation under `paths:` of the YAML.
    static func documentedOperations(_ yaml: String) -> Set<String> {
        var operations: Set<String> = []
        var inPaths = false
        var path: String?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            if inPaths, !line.hasPrefix(" "), !line.isEmpty { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let word = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "head", "post", "put", "patch", "delete"].contains(String(word)), line.hasSuffix(":") {
                    operations.insert("\(word.uppercased()) \(path)")
                }
            }
        }
        return operations
    }

    @Test("every route of the server is in the document, and every documented operation is a route")
    func routesMatch() async throws {
        let path = try Harness.database()
        let store = try await SQLiteStore.open(path: path, logger: Logger(label: "test"))
        let client = OutboundClient(egressGuard: nil)
        let router = buildRouter(
            store: store, client: client, recorder: EventRecorder(store: store, logger: Logger(label: "test")),
            dispatcher: Dispatcher(store: store, client: client, logger: Logger(label: "test")),
            secret: Array(repeating: 1, count: 32), readiness: Readiness(),
            configuration: Harness.configuration(),
            logger: Logger(label: "test"))
        // The dashboard's pages are for browsers, not part of the API.
        let apiPrefixes = ["/api/", "/t/", "/u/", "/.well-known/", "/healthz", "/readyz"]
        let routes = Set(
            router.routes.map { route in
                let normalised = route.path.description
                    .split(separator: "/", omittingEmptySubsequences: true)
                    .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                    .joined(separator: "/")
                return "\(route.method.rawValue) /\(normalised)"
            }
        ).filter { route in
            let path = route.split(separator: " ")[1]
            return path == "/" || apiPrefixes.contains { path.hasPrefix($0) }
        }
        let documented = Self.documentedOperations(try String(contentsOf: Self.repositoryFile, encoding: .utf8))
        #expect(routes.count >= 12)
        #expect(routes.subtracting(documented).isEmpty, "undocumented: \(routes.subtracting(documented).sorted())")
        #expect(
            documented.subtracting(routes).isEmpty,
            "documented but not served: \(documented.subtracting(routes).sorted())")
        try await client.shutdown()
        await store.close()
    }

    @Test("the server serves the repository's document, without a key")
    func served() async throws {
        try await Harness.run { api, _ in
            let answer = try await api.call(.get, "/api/v1/openapi.yaml", key: nil)
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType] == "application/yaml; charset=utf-8")
            let file = try String(contentsOf: Self.repositoryFile, encoding: .utf8)
            #expect(answer.body == file, "run scripts/embed-openapi after editing openapi.yaml")
        }
    }
}

@Suite("First start")
struct FirstStartTests {
    @Test("an empty database gets an account whose key works; later starts create none")
    func firstAccount() async throws {
        let path = try Harness.database()
        let store = try await SQLiteStore.open(path: path, logger: Logger(label: "test"))
        let first = try #require(try await createFirstAccountIfNeeded(in: store))
        #expect(first.apiKey.hasPrefix("rk_"))
        #expect(try await store.account(keyHash: APIKey.hash(of: first.apiKey))?.name == "default")
        #expect(try await createFirstAccountIfNeeded(in: store) == nil)
        await store.close()
    }
}
