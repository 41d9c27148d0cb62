import Logging
import NIOCore
import NIOPosix
import RicochetMail
import ServiceLifecycle
import Testing

@testable import RicochetServer

@Suite("SMTP connection limits")
struct SMTPConnectionLimitTests {
    static func configuration(total: Int, perAddress: Int) -> SMTPServer.Configuration {
        var configuration = SMTPServer.Configuration(
            host: "127.0.0.1", port: 0, session: .init(hostname: "b.example") { _ in true })
        configuration.maximumConnections = total
        configuration.maximumConnectionsPerAddress = perAddress
        return configuration
    }

    @Test("counted in all and per address; a refusal says which limit; leaving frees a place")
    func counting() {
        let configuration = Self.configuration(total: 3, perAddress: 2)
        var count = SMTPServer.ConnectionCount()
        #expect(count.admit("192.0.2.1", configuration: configuration) == nil)
        #expect(count.admit("192.0.2.1", configuration: configuration) == nil)
        #expect(count.admit("192.0.2.1", configuration: configuration)?.enhanced == "4.7.0")
        #expect(count.admit("192.0.2.2", configuration: configuration) == nil)
        #expect(count.admit("192.0.2.3", configuration: configuration)?.enhanced == "4.3.2")
        count.leave("192.0.2.1")
        #expect(count.admit("192.0.2.1", configuration: configuration) == nil)
        count.leave("192.0.2.1")
        count.leave("192.0.2.1")
        count.leave("192.0.2.2")
        #expect(count.total == 0 && count.perAddress.isEmpty)
    }

    @Test(
        "over real sockets: the connection past the per-address limit is answered 421 4.7.0 and closed",
        .timeLimit(.minutes(1)))
    func overSockets() async throws {
        let (bound, boundSink) = AsyncStream.makeStream(of: Int.self)
        let server = SMTPServer(
            configuration: Self.configuration(total: 10, perAddress: 2), logger: Logger(label: "test"),
            onBound: { boundSink.yield($0) }
        ) { _, _ in "inb_x" }
        let group = ServiceGroup(
            configuration: .init(services: [server], gracefulShutdownSignals: [], logger: Logger(label: "test")))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            var ports = bound.makeAsyncIterator()
            let port = try #require(await ports.next())
            var open: [Channel] = []
            var greetings: [String] = []
            for _ in 0..<3 {
                let (channel, greeting) = try await Self.connect(port: port)
                open.append(channel)
                greetings.append(greeting)
            }
            #expect(greetings[0].hasPrefix("220 ") && greetings[1].hasPrefix("220 "))
            #expect(greetings[2].hasPrefix("421 4.7.0"))
            try await open[2].closeFuture.get()
            for channel in open.prefix(2) { try await channel.close() }
            // Places are given back when connections close.
            var greeting = ""
            for _ in 0..<50 {
                let (channel, answer) = try await Self.connect(port: port)
                try? await channel.close()
                greeting = answer
                if answer.hasPrefix("220 ") { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(greeting.hasPrefix("220 "))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Connects and returns the channel with the server's first line.
    static func connect(port: Int) async throws -> (Channel, String) {
        let (lines, sink) = AsyncStream.makeStream(of: String.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FirstLine(sink: sink))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        var iterator = lines.makeAsyncIterator()
        return (channel, await iterator.next() ?? "")
    }

    final class FirstLine: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let sink: AsyncStream<String>.Continuation

        init(sink: AsyncStream<String>.Continuation) { self.sink = sink }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            sink.yield(String(buffer: unwrapInboundIn(data)))
            sink.finish()
        }

        func channelInactive(context: ChannelHandlerContext) {
            sink.finish()
        }
    }
}
