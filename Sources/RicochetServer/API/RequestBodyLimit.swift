import Hummingbird
import NIOCore

extension Request {
    /// The body, at most `maximumBytes` of it: refused with 413 before a
    /// byte is read when its `Content-Length` says more, and as soon as more
    /// arrives otherwise — never read whole to find out. The answer closes
    /// the connection rather than reading the rest.
    mutating func collectBody(limit maximumBytes: Int) async throws -> ByteBuffer {
        if let length = headers[.contentLength].flatMap({ Int($0) }), length > maximumBytes {
            throw Self.tooLarge(maximumBytes)
        }
        do {
            return try await collectBody(upTo: maximumBytes)
        } catch is NIOTooManyBytesError {
            throw Self.tooLarge(maximumBytes)
        }
    }

    private static func tooLarge(_ maximumBytes: Int) -> APIError {
        let size =
            maximumBytes % (1024 * 1024) == 0 ? "\(maximumBytes / (1024 * 1024)) MiB" : "\(maximumBytes) bytes"
        return APIError(.contentTooLarge, code: "body_too_large", message: "the request body is larger than \(size)")
    }
}
