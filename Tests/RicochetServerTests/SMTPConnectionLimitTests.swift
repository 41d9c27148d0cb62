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

    static func client(_ address: String) -> ClientNetwork {
        ClientNetwork(ipv4: address.split(separator: ".").map { UInt8($0)! })
    }

    @Test("counted in all, per address and per network; a refusal says which limit; leaving frees a place")
    func counting() {
        var configuration = Self.configuration(total: 4, perAddress: 2)
        configuration.maximumConnectionsPerNetwork = 3
        var count = SMTPServer.ConnectionCount()
        #expect(count.admit(Self.client("192.0.2.1"), configuration: configuration) == nil)
        #expect(count.admit(Self.client("192.0.2.1"), configuration: configuration) == nil)
        #expect(count.admit(Self.client("192.0.2.1"), configuration: configuration)?.enhanced == "4.7.0")
        #expect(count.admit(Self.client("192.0.2.2"), configuration: configuration) == nil)
        let network = count.admit(Self.client("192.0.2.3"), configuration: configuration)
        #expect(network?.enhanced == "4.7.0" && network?.lines.first?.contains("network") == true)
        #expect(count.admit(Self.client("198.51.100.1"), configuration: configuration) == nil)
        #expect(count.admit(Self.client("203.0.113.1"), configuration: configuration)?.enhanced == "4.3.2")
        count.leave(Self.client("192.0.2.1"), configuration: configuration)
        #expect(count.admit(Self.client("192.0.2.3"), configuration: configuration) == nil)
        for address in ["192.0.2.1", "192.0.2.2", "192.0.2.3", "198.51.100.1"] {
            count.leave(Self.client(address), configuration: configuration)
        }
        #expect(count.total == 0 && count.perAddress.isEmpty && count.perNetwork.isEmpty)
    }

    @Test("networks: the /24 of IPv4, the /64 of IPv6, mapped IPv4 as IPv4")
    func networks() throws {
        #expect(ClientNetwork(try SocketAddress(ipAddress: "192.0.2.77", port: 1)).network == "192.0.2.0/24")
        let v6 = ClientNetwork(try SocketAddress(ipAddress: "2001:db8:1:2:aaaa::1", port: 1))
        #expect(v6.network == "2001:db8:1:2::/64" && v6.address == "2001:db8:1:2:aaaa:0:0:1")
        let mapped = ClientNetwork(try SocketAddress(ipAddress: "::ffff:192.0.2.9", port: 1))
        #expect(mapped.address == "192.0.2.9" && mapped.network == "192.0.2.0/24")
    }

    @Test("the idle bound drops from the normal timeout to the stress one once connections near the cap")
    func stressTimeout() {
        var configuration = Self.configuration(total: 8, perAddress: 8)
        configuration.maximumConnectionsPerNetwork = 8
        var count = SMTPServer.ConnectionCount()
        for _ in 0..<5 { _ = count.admit(Self.client("192.0.2.1"), configuration: configuration) }
        #expect(count.idleTimeout(configuration: configuration) == .minutes(5))
        _ = count.admit(Self.client("192.0.2.1"), configuration: configuration)
        #expect(count.idleTimeout(configuration: configuration) == .seconds(10), "6 of 8 is three quarters")
        for _ in 0..<3 { count.leave(Self.client("192.0.2.1"), configuration: configuration) }
        #expect(count.idleTimeout(configuration: configuration) == .seconds(10), "still 3 of 6: stress holds")
        count.leave(Self.client("192.0.2.1"), configuration: configuration)
        #expect(count.idleTimeout(configuration: configuration) == .minutes(5), "fewer than half: stress ends")
    }

    /// Runs an SMTP server with `configuration` on a free port for `body`, then stops it.
    static func withServer(
        _ configuration: SMTPServer.Configuration, _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        let (bound, boundSink) = AsyncStream.makeStream(of: Int.self)
        let server = SMTPServer(
            configuration: configuration, logger: Logger(label: "test"), onBound: { boundSink.yield($0) }
        ) { _, _ in "inb_x" }
        let group = ServiceGroup(
            configuration: .init(services: [server], gracefulShutdownSignals: [], logger: Logger(label: "test")))
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            var ports = bound.makeAsyncIterator()
            let port = try #require(await ports.next())
            try await body(port)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test(
        "over real sockets: the connection past the per-address limit is answered 421 4.7.0 and closed",
        .timeLimit(.minutes(1)))
    func overSockets() async throws {
        try await Self.withServer(Self.configuration(total: 10, perAddress: 2)) { port in
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
        }
    }

    @Test(
        "idle clients cannot hold the receiver: one network gets its share only, and near the cap idle connections are closed at the stress timeout",
        .timeLimit(.minutes(1)))
    func stress() async throws {
        var configuration = Self.configuration(total: 40, perAddress: 8)
        configuration.maximumConnectionsPerNetwork = 16
        configuration.stressConnections = 24
        configuration.stressIdleTimeout = .seconds(1)
        try await Self.withServer(configuration) { port in
            // Three addresses of one /24, eight connections each: sixteen get in.
            var idle: [Conversation] = []
            var refusals: [String] = []
            for address in ["127.0.0.2", "127.0.0.3", "127.0.0.4"] {
                for _ in 0..<8 {
                    let conversation = try await Conversation(port: port, from: address)
                    let greeting = await conversation.firstLine()
                    if greeting.hasPrefix("220 ") { idle.append(conversation) } else { refusals.append(greeting) }
                }
            }
            #expect(idle.count == 16)
            #expect(refusals.count == 8 && refusals.allSatisfy { $0.hasPrefix("421 4.7.0") && $0.contains("network") })
            // Eight more from other networks bring it to the stress mark.
            for address in ["127.0.1.1", "127.0.1.2", "127.0.2.1", "127.0.2.2"] {
                for _ in 0..<2 {
                    let conversation = try await Conversation(port: port, from: address)
                    #expect(await conversation.firstLine().hasPrefix("220 "))
                    idle.append(conversation)
                }
            }
            // Idle connections are now closed at the stress timeout, until
            // fewer than half the stress mark are left.
            let closedByServer = await withTaskGroup(of: Bool.self) { group in
                for conversation in idle { group.addTask { await conversation.untilClosed().contains("421 4.4.2") } }
                var closed = 0
                for await byServer in group where byServer {
                    closed += 1
                    if closed == 13 { break }
                }
                for conversation in idle { conversation.channel.close(promise: nil) }
                return closed
            }
            #expect(closedByServer == 13)
            let fresh = try await Conversation(port: port, from: "127.0.3.1")
            #expect(await fresh.firstLine().hasPrefix("220 "), "a new client is served again")
            fresh.channel.close(promise: nil)
        }
    }

    /// An SMTP client connection from a chosen loopback address, keeping what the server says.
    final class Conversation: Sendable {
        let channel: any Channel
        private let greeting: EventLoopFuture<String>
        private let closed: EventLoopFuture<String>

        init(port: Int, from address: String) async throws {
            let loop = MultiThreadedEventLoopGroup.singleton.next()
            let greeting = loop.makePromise(of: String.self)
            let closed = loop.makePromise(of: String.self)
            self.greeting = greeting.futureResult
            self.closed = closed.futureResult
            channel = try await ClientBootstrap(group: loop)
                .bind(to: try SocketAddress(ipAddress: address, port: 0))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(Collect(greeting: greeting, closed: closed))
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
        }

        /// The greeting (or refusal).
        func firstLine() async -> String { (try? await greeting.get()) ?? "" }

        /// Everything the server said, once it closed.
        func untilClosed() async -> String { (try? await closed.get()) ?? "" }

        final class Collect: ChannelInboundHandler {
            typealias InboundIn = ByteBuffer
            let greeting: EventLoopPromise<String>
            let closed: EventLoopPromise<String>
            var text = ""

            init(greeting: EventLoopPromise<String>, closed: EventLoopPromise<String>) {
                self.greeting = greeting
                self.closed = closed
            }

            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                let chunk = String(buffer: unwrapInboundIn(data))
                if text.isEmpty, !chunk.isEmpty { greeting.succeed(chunk) }
                text += chunk
            }

            func channelInactive(context: ChannelHandlerContext) {
                if text.isEmpty { greeting.succeed("") }
                closed.succeed(text)
            }
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
