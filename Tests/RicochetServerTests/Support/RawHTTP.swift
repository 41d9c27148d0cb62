import Foundation
import NIOCore
import NIOPosix

/// A bare HTTP/1.1 connection for what ordinary clients do not do: several
/// requests written at once (pipelining), and watching the server close.
enum RawHTTP {
    struct Response: Sendable {
        let status: Int
        /// Header names in lower case.
        let headers: [(String, String)]
        let body: [UInt8]

        func header(_ name: String) -> String? { headers.first { $0.0 == name.lowercased() }?.1 }
    }

    /// Writes `requests` in one go, then reads until `count` responses are in
    /// or the server closes. `closed` says whether it closed.
    static func exchange(port: Int, _ requests: String, count: Int) async throws -> (
        responses: [Response], closed: Bool
    ) {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: requests))
            var received: [UInt8] = []
            var responses: [Response] = []
            var closed = true
            for try await chunk in inbound {
                received += chunk.readableBytesView
                responses = parse(received)
                if responses.count >= count {
                    closed = false
                    break
                }
            }
            if closed { responses = parse(received) }
            return (responses, closed)
        }
    }

    /// The complete responses at the start of `bytes` (bodies by Content-Length).
    static func parse(_ bytes: [UInt8]) -> [Response] {
        var responses: [Response] = []
        var rest = bytes[...]
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while let end = rest.firstRange(of: separator) {
            let head = String(decoding: rest[rest.startIndex..<end.lowerBound], as: UTF8.self)
            let lines = head.components(separatedBy: "\r\n")
            let status = Int(lines[0].split(separator: " ")[1]) ?? 0
            let headers = lines.dropFirst().compactMap { line -> (String, String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (
                    line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                )
            }
            let length = Int(headers.first { $0.0 == "content-length" }?.1 ?? "0") ?? 0
            guard rest.distance(from: end.upperBound, to: rest.endIndex) >= length else { break }
            let body = Array(rest[end.upperBound..<rest.index(end.upperBound, offsetBy: length)])
            responses.append(Response(status: status, headers: headers, body: body))
            rest = rest[rest.index(end.upperBound, offsetBy: length)...]
        }
        return responses
    }
}
