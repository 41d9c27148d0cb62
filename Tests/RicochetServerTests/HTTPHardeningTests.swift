import Foundation
import HTTPTypes
import NIOCore
import NIOPosix
import Testing

@testable import RicochetServer

/// A client connection that reads everything and tells when the server closes.
final class WatchedConnection: Sendable {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    private let received: AsyncStream<[UInt8]>
    private let sink: AsyncStream<[UInt8]>.Continuation
    private let reader: Task<Void, Never>

    init(port: Int) async throws {
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let (received, sink) = AsyncStream.makeStream(of: [UInt8].self)
        self.received = received
        self.sink = sink
        let inbound = channel.inbound
        reader = Task {
            do {
                for try await chunk in inbound { sink.yield(Array(chunk.readableBytesView)) }
            } catch {}
            sink.finish()
        }
    }

    func send(_ text: String) async throws {
        try await channel.outbound.write(ByteBuffer(string: text))
    }

    /// Everything the server sent until it closed the connection.
    func untilClosed() async -> [UInt8] {
        var bytes: [UInt8] = []
        for await chunk in received { bytes += chunk }
        return bytes
    }

    func close() {
        channel.outbound.finish()
        channel.channel.close(promise: nil)
        reader.cancel()
    }

    deinit {
        channel.outbound.finish()
    }
}

@Suite("HTTP connections under abuse")
struct HTTPHardeningTests {
    @Test(
        "an idle connection and one sending its head a byte at a time are closed after the timeout; others are served",
        .timeLimit(.minutes(1)))
    func timeouts() async throws {
        try await Harness.run(configure: { $0.httpIdleTimeout = .seconds(1) }) { api, _ in
            let port = try #require(api.client.port)
            let idle = try await WatchedConnection(port: port)
            let slow = try await WatchedConnection(port: port)
            let started = ContinuousClock.now
            let trickle = Task {
                for byte in "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: abcdefghijklmnopqrstuvwxyz".utf8 {
                    try await slow.send(String(decoding: [byte], as: UTF8.self))
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            async let idleClosed = idle.untilClosed()
            async let slowClosed = slow.untilClosed()
            // A normal client is served meanwhile, each request on a connection of its own: a kept-alive
            // one (the harness's client) would itself be closed by the 1-second timeout on a slow machine.
            for _ in 0..<5 {
                let answer = try await RawHTTP.exchange(
                    port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", count: 1)
                #expect(answer.responses.map(\.status) == [200])
            }
            #expect(await idleClosed.isEmpty, "closed without an answer")
            #expect(await slowClosed.isEmpty, "closed without an answer, though bytes kept coming")
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .seconds(10), "closed after about the timeout, not later: \(elapsed)")
            trickle.cancel()
            idle.close()
            slow.close()
        }
    }

    @Test("a connection over the cap is answered 503 and closed; a place that frees is given again")
    func cap() async throws {
        let bound = BoundPorts()
        try await Harness.run(
            configure: {
                $0.httpMaximumConnections = 3
                $0.metrics = .init(host: "127.0.0.1", port: 0)
            }, bound: bound
        ) { api, _ in
            let port = try #require(api.client.port)
            let metricsPort = try #require(await bound.ready().metricsPort)
            var held: [WatchedConnection] = []
            for _ in 0..<3 { held.append(try await WatchedConnection(port: port)) }
            let over = try await WatchedConnection(port: port)
            try await over.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            let refusal = RawHTTP.parse(await over.untilClosed())
            #expect(refusal.map(\.status) == [503])
            #expect(refusal.first?.header("connection") == "close")
            let refusalBody = String(decoding: refusal.first?.body ?? [], as: UTF8.self)
            #expect(refusalBody.contains("too_many_connections"))
            let samples = try await MetricsTests.scrape(port: metricsPort).1
            #expect(samples[#"ricochet_http_requests_total{route="over_limit",status="503"}"#] == 1)
            over.close()
            held.removeFirst().close()
            // Closing is seen by the server a moment later.
            var status = 0
            for _ in 0..<100 {
                status =
                    try await RawHTTP.exchange(port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", count: 1)
                    .responses.first?.status ?? 0
                if status == 200 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(status == 200)
            for connection in held { connection.close() }
        }
    }

    @Test("an events body over the limit is refused 413 at its Content-Length, before a byte of it is read")
    func announcedTooLarge() async throws {
        try await Harness.run { api, tenants in
            let port = try #require(api.client.port)
            let connection = try await WatchedConnection(port: port)
            try await connection.send(
                "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(tenants.alice)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 62914560\r\n\r\n{\"events\": [")
            let responses = RawHTTP.parse(await connection.untilClosed())
            #expect(responses.map(\.status) == [413])
            let body = String(decoding: responses.first?.body ?? [], as: UTF8.self)
            #expect(body.contains("body_too_large"))
            connection.close()
        }
    }

    @Test("a chunked events body is cut off at the limit with 413, and the connection closed")
    func chunkedTooLarge() async throws {
        try await Harness.run { api, tenants in
            let port = try #require(api.client.port)
            let connection = try await WatchedConnection(port: port)
            try await connection.send(
                "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(tenants.alice)\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            let chunk = String(repeating: "x", count: 1024 * 1024)
            let writer = Task {
                for _ in 0..<64 { try await connection.send("100000\r\n\(chunk)\r\n") }
            }
            let responses = RawHTTP.parse(await connection.untilClosed())
            #expect(responses.map(\.status) == [413])
            writer.cancel()
            connection.close()
        }
    }

    @Test("a malformed chunk size answers 400 and closes the connection")
    func malformedChunk() async throws {
        try await Harness.run { api, tenants in
            let port = try #require(api.client.port)
            let (responses, closed) = try await RawHTTP.exchange(
                port: port,
                "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(tenants.alice)\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n",
                count: 2)
            #expect(responses.map(\.status) == [400])
            #expect(closed)
        }
    }
}
