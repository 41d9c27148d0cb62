import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import RicochetDelivery

/// A real HTTP server on loopback, and the outbound client through a real guard.
@Suite("Egress guard")
struct EgressGuardTests {
    static func withReceiver<T: Sendable>(_ body: @escaping @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.get("hello") { _, _ in "hello from loopback" }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in try await body(client.port!) }
    }

    static func withClient<T: Sendable>(
        policy: AddressPolicy, _ body: @escaping @Sendable (OutboundClient) async throws -> T
    ) async throws -> T {
        let egressGuard = try await EgressGuard.bind(
            policy: policy, connectTimeout: .seconds(2), logger: Logger(label: "test"))
        let client = OutboundClient(egressGuard: egressGuard)
        let running = Task { try await egressGuard.run() }
        defer { running.cancel() }
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Refusals come at once; the long timeout is for a machine loaded by the tests running beside these.
    static func get(_ url: String) -> OutboundRequest {
        OutboundRequest(method: .get, url: url, timeout: .seconds(20), maximumBodyBytes: 1024)
    }

    @Test("loopback is refused by address, also when a name resolves to it")
    func refusesLoopback() async throws {
        try await Self.withReceiver { port in
            try await Self.withClient(policy: .globalOnly) { client in
                for url in ["http://127.0.0.1:\(port)/hello", "http://localhost:\(port)/hello"] {
                    do throws(OutboundError) {
                        _ = try await client.send(Self.get(url))
                        Issue.record("\(url) was reached")
                    } catch {
                        #expect(error.kind == .refusedAddress, "\(url): \(error)")
                        #expect(error.message.contains("loopback"))
                    }
                }
            }
        }
    }

    @Test("an IPv6 literal is refused as an address, named once, in brackets once")
    func refusesIPv6Loopback() async throws {
        try await Self.withClient(policy: .globalOnly) { client in
            do throws(OutboundError) {
                _ = try await client.send(Self.get("http://[::1]:19999/"))
                Issue.record("[::1] was reached")
            } catch {
                #expect(error.kind == .refusedAddress, "\(error)")
                #expect(error.message.contains("::1") && !error.message.contains("[["), "\(error.message)")
            }
        }
        #expect(OutboundClient.authority(of: "http://[::1]:19999/") == "[::1]:19999")
        #expect(OutboundClient.authority(of: "https://[2001:db8::1]/x") == "[2001:db8::1]:443")
    }

    @Test("an allowed address is reached through the tunnel")
    func tunnels() async throws {
        try await Self.withReceiver { port in
            try await Self.withClient(policy: .anyAddress) { client in
                let response = try await client.send(Self.get("http://localhost:\(port)/hello"))
                #expect(response.status == 200)
                #expect(response.bodyText == "hello from loopback")
            }
        }
    }

    @Test("a name that does not resolve is a DNS error")
    func dns() async throws {
        try await Self.withClient(policy: .globalOnly) { client in
            do throws(OutboundError) {
                _ = try await client.send(Self.get("http://no-such-host.invalid/x"))
                Issue.record("resolved")
            } catch {
                #expect(error.kind == .dns, "\(error)")
            }
        }
    }

    @Test("CONNECT request lines are parsed strictly")
    func connectRequest() {
        #expect(ConnectRequest(head: "CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n")?.host == "example.com")
        #expect(ConnectRequest(head: "CONNECT [::1]:8080 HTTP/1.1\r\n\r\n")?.host == "::1")
        #expect(ConnectRequest(head: "GET / HTTP/1.1\r\n\r\n") == nil)
        #expect(ConnectRequest(head: "CONNECT example.com HTTP/1.1\r\n\r\n") == nil)
        #expect(ConnectRequest(head: "CONNECT example.com:0 HTTP/1.1\r\n\r\n") == nil)
    }
}

extension ConnectRequest: Equatable {
    public static func == (lhs: ConnectRequest, rhs: ConnectRequest) -> Bool {
        lhs.host == rhs.host && lhs.port == rhs.port
    }
}
