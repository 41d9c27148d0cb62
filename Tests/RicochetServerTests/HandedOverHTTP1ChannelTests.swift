import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import RicochetServer

/// A connection accepted while the server stops, which the accept loop never
/// takes: with Hummingbird's plain HTTP/1.1 channel, it becoming active stops
/// the process (NIOAsyncWriter released unfinished).
@Suite("Connections accepted while the server stops")
struct HandedOverHTTP1ChannelTests {
    static func connection() async throws -> (HandedOverHTTP1Channel, NIOAsyncTestingChannel, HTTP1Channel.Value) {
        let child = HandedOverHTTP1Channel(
            inner: HTTP1Channel(
                responder: { _, writer, _ in
                    var fields = HTTPFields()
                    fields[.contentLength] = "0"
                    try await writer.writeResponse(HTTPResponse(status: .noContent, headerFields: fields))
                }, configuration: .init()))
        let channel = NIOAsyncTestingChannel()
        let value = try await channel.eventLoop.flatSubmit {
            child.setup(channel: channel, logger: Logger(label: "test"))
        }.get()
        return (child, channel, value)
    }

    @Test("one the accept loop never takes neither stops the process when active nor stays open once quiesced")
    func neverTaken() async throws {
        let (child, channel, _) = try await Self.connection()
        // The value is dropped here, never handed to `handle`, as NIO drops it.
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9))
        #expect(channel.isActive)
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        try await channel.closeFuture.get()
        #expect(!child.waiting.contains(ObjectIdentifier(channel)))
    }

    @Test("one taken by the accept loop is served and hears the request to quiesce as usual")
    func taken() async throws {
        let (child, channel, value) = try await Self.connection()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9))
        let serving = Task { await child.handle(value: value, logger: Logger(label: "test")) }
        while child.waiting.contains(ObjectIdentifier(channel)) { await Task.yield() }
        try await channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        var answer = ByteBuffer()
        while !String(buffer: answer).contains("\r\n\r\n") {
            if var part = try await channel.readOutbound(as: ByteBuffer.self) {
                answer.writeBuffer(&part)
            } else {
                await Task.yield()
            }
        }
        #expect(String(buffer: answer).hasPrefix("HTTP/1.1 "))
        #expect(channel.isActive, "an answered connection is kept alive until asked to quiesce")
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        try await channel.closeFuture.get()
        await serving.value
    }
}
