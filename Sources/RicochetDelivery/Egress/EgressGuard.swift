import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A CONNECT proxy on loopback through which every outbound request of the
/// process goes, so that the address policy holds for the address actually
/// connected to.
///
/// The guard resolves the target itself, refuses when any address is one the
/// policy forbids, and connects to the address it checked. A DNS answer that
/// changes between a check and a connect (DNS rebinding) therefore cannot lead
/// a request to a forbidden address: there is no second lookup. TLS runs end to
/// end through the tunnel, with the client's own SNI and certificate checks.
public final class EgressGuard: Service, Sendable {
    /// Why a tunnel was not opened, kept briefly so the client can explain the
    /// proxy's refusal in words.
    public struct Failure: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case dns
            case refusedAddress = "refused_address"
            case connect
            case timeout
        }

        public let kind: Kind
        public let message: String
    }

    public let port: Int
    let policy: AddressPolicy
    let connectTimeout: TimeAmount
    let logger: Logger
    private let serverChannel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let failures = Mutex<[String: Failure]>([:])

    static let maximumHeadBytes = 8192
    static let rememberedFailures = 1024

    private init(
        serverChannel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>,
        policy: AddressPolicy,
        connectTimeout: TimeAmount,
        logger: Logger
    ) {
        self.serverChannel = serverChannel
        self.port = serverChannel.channel.localAddress?.port ?? 0
        self.policy = policy
        self.connectTimeout = connectTimeout
        self.logger = logger
    }

    /// Binds the guard to an ephemeral port on 127.0.0.1. Connections are
    /// served once ``run()`` is called.
    public static func bind(policy: AddressPolicy, connectTimeout: Duration, logger: Logger) async throws -> EgressGuard
    {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return EgressGuard(
            serverChannel: channel, policy: policy, connectTimeout: TimeAmount(connectTimeout), logger: logger)
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            do {
                try await withThrowingDiscardingTaskGroup { group in
                    try await serverChannel.executeThenClose { connections in
                        for try await connection in connections {
                            group.addTask { await self.serve(connection) }
                        }
                    }
                }
            } catch ChannelError.alreadyClosed {
                // Closed by graceful shutdown.
            }
        } onGracefulShutdown: {
            self.serverChannel.channel.close(promise: nil)
        }
    }

    /// The reason the last tunnel to `target` (`host:port`) was refused, if any.
    public func failure(for target: String) -> Failure? {
        failures.withLock { $0[target] }
    }

    private func remember(_ failure: Failure?, for target: String) {
        failures.withLock { failures in
            if failures.count >= Self.rememberedFailures, failure != nil { failures.removeAll() }
            failures[target] = failure
        }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var requests = inbound.makeAsyncIterator()
                guard var (head, leftover) = try await Self.readHead(from: &requests) else { return }
                guard let target = ConnectRequest(head: head.readString(length: head.readableBytes) ?? "") else {
                    try await outbound.write(
                        ByteBuffer(string: "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"))
                    return
                }
                let upstream: NIOAsyncChannel<ByteBuffer, ByteBuffer>
                do {
                    upstream = try await open(target)
                    remember(nil, for: target.authority)
                } catch let failure as Failure {
                    remember(failure, for: target.authority)
                    logger.debug(
                        "egress refused", metadata: ["target": "\(target.authority)", "reason": "\(failure.message)"])
                    let status = failure.kind == .refusedAddress ? "403 Forbidden" : "502 Bad Gateway"
                    try await outbound.write(ByteBuffer(string: "HTTP/1.1 \(status)\r\nContent-Length: 0\r\n\r\n"))
                    return
                }
                try await outbound.write(ByteBuffer(string: "HTTP/1.1 200 Connection Established\r\n\r\n"))
                try await upstream.executeThenClose { upstreamInbound, upstreamOutbound in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await bytes in upstreamInbound {
                                try await outbound.write(bytes)
                            }
                            connection.channel.close(promise: nil)
                        }
                        if leftover.readableBytes > 0 {
                            try await upstreamOutbound.write(leftover)
                            leftover.clear()
                        }
                        while let bytes = try await requests.next() {
                            try await upstreamOutbound.write(bytes)
                        }
                        upstream.channel.close(promise: nil)
                        group.cancelAll()
                    }
                }
            }
        } catch {
            logger.trace("egress tunnel ended", metadata: ["error": "\(error)"])
        }
    }

    /// Reads up to the blank line that ends the CONNECT request; returns the
    /// head and any bytes the client sent after it.
    private static func readHead(
        from requests: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    ) async throws -> (ByteBuffer, ByteBuffer)? {
        var buffer = ByteBuffer()
        while var chunk = try await requests.next() {
            buffer.writeBuffer(&chunk)
            let view = buffer.readableBytesView
            if let end = view.firstRange(of: Array("\r\n\r\n".utf8)) {
                let headLength = end.upperBound - view.startIndex
                let head = buffer.readSlice(length: headLength)!
                return (head, buffer.slice())
            }
            if buffer.readableBytes > maximumHeadBytes { return nil }
        }
        return nil
    }

    /// Resolves, checks every address, and connects to the first allowed one.
    private func open(_ target: ConnectRequest) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        let addresses: [SocketAddress]
        do {
            addresses = try await HostResolver.resolve(host: target.host, port: target.port)
        } catch {
            throw Failure(kind: .dns, message: "\(error)")
        }
        for address in addresses {
            guard let bytes = address.ipBytes else { continue }
            if let kind = policy.refusal(for: bytes) {
                let ip = address.ipAddress ?? "?"
                let subject = ip == target.host ? "\(ip) is" : "\(target.host) resolves to \(ip),"
                throw Failure(
                    kind: .refusedAddress,
                    message:
                        "\(subject) \(kind); such addresses are refused unless the server runs with --allow-private-networks"
                )
            }
        }
        var lastError: any Error = Failure(kind: .connect, message: "no address to connect to")
        for address in addresses.prefix(3) {
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(connectTimeout)
                    .connect(to: address) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
                // The socket is connected to `address`, already checked; check
                // once more what the kernel reports, in case of any surprise.
                if let remote = channel.channel.remoteAddress?.ipBytes, policy.refusal(for: remote) != nil {
                    channel.channel.close(promise: nil)
                    throw Failure(kind: .refusedAddress, message: "connected address refused")
                }
                return channel
            } catch let error as Failure {
                throw error
            } catch ChannelError.connectTimeout {
                lastError = Failure(
                    kind: .timeout, message: "connecting to \(target.authority) (\(address.ipAddress ?? "?")) timed out"
                )
            } catch {
                lastError = Failure(
                    kind: .connect,
                    message: "cannot connect to \(target.authority) (\(address.ipAddress ?? "?")): \(error)")
            }
        }
        throw lastError
    }
}

extension EgressGuard.Failure: Error, CustomStringConvertible {
    public var description: String { message }
}

/// The target of `CONNECT host:port HTTP/1.1`.
struct ConnectRequest {
    let host: String
    let port: Int

    var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    init?(head: String) {
        // On bytes, not Characters: "\r\n" is one Character in Swift.
        let requestLine = Substring(decoding: head.utf8.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = requestLine.split(separator: " ")
        guard parts.count == 3, parts[0] == "CONNECT", parts[2].hasPrefix("HTTP/1.") else { return nil }
        let authority = parts[1]
        guard let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = authority[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { return nil }
        self.host = String(host)
        self.port = port
    }
}
