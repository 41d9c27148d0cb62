import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A plain SMTP client on a NIO channel: enough to hand over one message.
///
/// It never blocks a thread of the test process: the server it talks to
/// answers on the same cooperative threads, and a client blocking them in
/// `recv` would stall every test in the process until its timeout.
enum SMTPTestClient {
    /// Sends one message (envelope commands pipelined) and returns every
    /// reply. Only connecting is tried again, while the server starts: once
    /// a byte is written a failure is thrown, never a second copy sent.
    static func send(port: Int, from: String, to recipients: [String], message: String) async throws -> String {
        let channel = try await connect(port: port)
        // A server that stops answering fails the test instead of hanging it.
        let timeout = channel.channel.eventLoop.scheduleTask(in: .seconds(60)) { channel.channel.close(promise: nil) }
        defer { timeout.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            var transcript = ""
            var replies = inbound.makeAsyncIterator()
            func read(until marker: String) async throws {
                while !transcript.contains(marker) {
                    guard let chunk = try await replies.next() else { throw SMTPTestError.closed(transcript) }
                    transcript += String(buffer: chunk)
                }
            }
            try await read(until: "\r\n")
            let envelope =
                ["EHLO test.example", "MAIL FROM:<\(from)>"] + recipients.map { "RCPT TO:<\($0)>" } + ["DATA"]
            try await outbound.write(ByteBuffer(string: envelope.map { $0 + "\r\n" }.joined()))
            try await read(until: "354 ")
            let body = message.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.hasPrefix(".") ? "." + $0 : String($0)
            }
            try await outbound.write(ByteBuffer(string: body.joined(separator: "\r\n") + "\r\n.\r\nQUIT\r\n"))
            try await read(until: "221 ")
            return transcript
        }
    }

    /// The server starts alongside the HTTP listener: tries for a moment.
    private static func connect(port: Int) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        for _ in 0..<50 {
            if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(
                    host: "127.0.0.1", port: port,
                    channelInitializer: { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    })
            {
                return channel
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw SMTPTestError.socket
    }
}

enum SMTPTestError: Error {
    case socket
    /// The server closed the connection; what it had said.
    case closed(String)
}
