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
        count.leave(Self.client("192.0.2.1"))
        #expect(count.admit(Self.client("192.0.2.3"), configuration: configuration) == nil)
        for address in ["192.0.2.1", "192.0.2.2", "192.0.2.3", "198.51.100.1"] { count.leave(Self.client(address)) }
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
        count.leave(Self.client("192.0.2.1"))
        #expect(count.idleTimeout(configuration: configuration) == .minutes(5))
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
