import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import RicochetCore
import Synchronization
import Testing

@testable import RicochetServer

/// The fast path's state machine on an embedded channel: no sockets, and the
/// recorder's answer arrives when the test says so.
@Suite("Tracking fast path, state by state")
struct TrackingFastPathStateTests {
    /// Recordings the test has not answered yet.
    final class Recordings: Sendable {
        let waiting = Mutex<[@Sendable (Bool) -> Void]>([])
        func answerAll(_ recorded: Bool) {
            for done in waiting.withLock({ list in
                defer { list = [] }; return list
            }) { done(recorded) }
        }
        var count: Int { waiting.withLock { $0.count } }
    }

    let codec = TrackingTokenCodec(secret: Array(repeating: 9, count: 32))
    let message: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

    func channel(_ recordings: Recordings) throws -> EmbeddedChannel {
        let configuration = TrackingFastPath.Configuration(
            codec: codec, clientAddress: ClientAddress(trustedProxies: []),
            record: { _, _, done in recordings.waiting.withLock { $0.append(done) } })
        return EmbeddedChannel(handler: TrackingFastPath(configuration))
    }

    func get(_ path: String, on channel: EmbeddedChannel) throws {
        try channel.writeInbound(
            HTTPRequestPart.head(HTTPRequest(method: .get, scheme: nil, authority: nil, path: path)))
        try channel.writeInbound(HTTPRequestPart.end(nil))
    }

    var pixel: String { "/t/o/" + codec.encode(TrackingToken(kind: .pixel, message: message, index: 0, url: "")) }

    /// The path of the next request head passed on to the router, if one is.
    func routedPath(_ channel: EmbeddedChannel) throws -> String? {
        guard case .head(let head) = try channel.readInbound(as: HTTPRequestPart.self) else { return nil }
        return head.path
    }

    func responses(_ channel: EmbeddedChannel) throws -> [HTTPResponse] {
        var heads: [HTTPResponse] = []
        while let part = try channel.readOutbound(as: HTTPResponsePart.self) {
            if case .head(let head) = part { heads.append(head) }
        }
        return heads
    }

    @Test("the answer waits for the recording; a failed recording answers 503, never the pixel")
    func waitsForRecording() throws {
        let recordings = Recordings()
        let channel = try channel(recordings)
        try get(pixel, on: channel)
        #expect(try responses(channel).isEmpty)
        #expect(recordings.count == 1)
        recordings.answerAll(true)
        channel.embeddedEventLoop.run()
        #expect(try responses(channel).map(\.status) == [.ok])

        try get(pixel, on: channel)
        recordings.answerAll(false)
        channel.embeddedEventLoop.run()
        let failed = try responses(channel)
        #expect(failed.map(\.status) == [.serviceUnavailable])
        #expect(failed.first?.headerFields[.contentType] == "application/json; charset=utf-8")
    }

    @Test("requests behind a pending answer are held, then served in order; the router's own go through")
    func holdsWhatFollows() throws {
        let recordings = Recordings()
        let channel = try channel(recordings)
        try get(pixel, on: channel)
        try get("/healthz", on: channel)
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == nil, "held while the pixel is pending")
        recordings.answerAll(true)
        channel.embeddedEventLoop.run()
        #expect(try responses(channel).map(\.status) == [.ok])
        #expect(try routedPath(channel) == "/healthz", "the held request reaches the router")
        // While the router owes /healthz its answer, a pixel goes to the router too.
        _ = try channel.readInbound(as: HTTPRequestPart.self)
        try get(pixel, on: channel)
        #expect(try routedPath(channel) == pixel, "the pixel behind a routed request goes to the router")
        #expect(recordings.count == 0)
    }

    /// Records events passed on past the fast path.
    final class Events: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPRequestPart
        let quiesced = Mutex(0)
        let inputClosed = Mutex(0)
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is ChannelShouldQuiesceEvent { quiesced.withLock { $0 += 1 } }
            if case .inputClosed = event as? ChannelEvent { inputClosed.withLock { $0 += 1 } }
        }
    }

    /// Counts the reads that the fast path lets through to the socket.
    final class Reads: ChannelOutboundHandler, Sendable {
        typealias OutboundIn = Never
        let count = Mutex(0)
        func read(context: ChannelHandlerContext) {
            count.withLock { $0 += 1 }
            context.read()
        }
    }

    @Test("reading goes on behind a pending answer until a request is held; the end of input comes after the answer")
    func readsWhileAnswering() throws {
        let recordings = Recordings()
        let channel = try channel(recordings)
        let reads = Reads()
        let events = Events()
        try channel.pipeline.syncOperations.addHandler(reads, position: .first)
        try channel.pipeline.syncOperations.addHandler(events)
        try get(pixel, on: channel)
        channel.read()
        #expect(reads.count.withLock { $0 } == 1, "nothing held: reading is not switched off")
        try get("/healthz", on: channel)
        channel.read()
        #expect(reads.count.withLock { $0 } == 1, "a request is held: the next read waits")
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(events.inputClosed.withLock { $0 } == 0, "the end of input waits behind the answer")
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == nil)

        recordings.answerAll(true)
        channel.embeddedEventLoop.run()
        #expect(try responses(channel).map(\.status) == [.ok])
        #expect(try routedPath(channel) == "/healthz", "the held request reaches the router")
        #expect(events.inputClosed.withLock { $0 } == 1, "then the end of input follows the held request")
        #expect(reads.count.withLock { $0 } == 2, "and the read held back is made")
    }

    @Test("shutdown during a recording: the hit is answered first, then the connection is let go")
    func answersBeforeShutdown() throws {
        let recordings = Recordings()
        let channel = try channel(recordings)
        let events = Events()
        try channel.pipeline.syncOperations.addHandler(events)
        try get(pixel, on: channel)
        try get(pixel, on: channel)
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(events.quiesced.withLock { $0 } == 0, "held while the first hit is being recorded")
        recordings.answerAll(true)
        channel.embeddedEventLoop.run()
        #expect(try responses(channel).map(\.status) == [.ok], "the recorded hit is answered")
        #expect(events.quiesced.withLock { $0 } == 1, "then shutdown goes on")
        #expect(recordings.count == 0, "the request behind it is not taken up: it was never recorded")
    }

    @Test("shutdown between hits passes straight on")
    func idleShutdown() throws {
        let channel = try channel(Recordings())
        let events = Events()
        try channel.pipeline.syncOperations.addHandler(events)
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(events.quiesced.withLock { $0 } == 1)
    }
}

@Suite("HTTP dates")
struct HTTPDateTests {
    @Test("IMF-fixdate as RFC 9110 spells its example, and on either side of leap days")
    func format() {
        #expect(HTTPDateFormat.string(seconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDateFormat.string(seconds: 951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(HTTPDateFormat.string(seconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        var date = HTTPDate()
        #expect(date.string(at: 1_796_000_000) == "Mon, 30 Nov 2026 00:53:20 GMT")
    }
}
