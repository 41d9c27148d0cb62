import Foundation
import HTTPTypes
import Hummingbird
import RicochetCore
import RicochetStore

/// The tracked URLs in messages: the open pixel, proxied images and link
/// redirects. Each hit is recorded durably before it is answered; a forged
/// token records nothing (images still answer an image, clicks a plain 404,
/// never a redirect).
struct TrackingController<S: Store>: Sendable {
    let codec: TrackingTokenCodec
    let recorder: EventRecorder<S>
    let images: ImageProxy<S>
    let clientAddress: ClientAddress

    func addRoutes(to router: Router<APIRequestContext>) {
        for method in [HTTPRequest.Method.get, .head] {
            router.on("t/o/{token}", method: method, use: pixel)
            router.on("t/i/{token}", method: method, use: image)
            router.on("t/c/{token}", method: method, use: click)
        }
    }

    @Sendable func pixel(_ request: Request, context: APIRequestContext) async throws -> Response {
        if let token = token(.pixel, context) {
            try await record(.open, token: token, linkIndex: nil, request: request, context: context)
        }
        return TrackingResponses.gif(head: request.method == .head)
    }

    @Sendable func image(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let token = token(.image, context) else { return TrackingResponses.gif(head: request.method == .head) }
        try await record(.open, token: token, linkIndex: token.index, request: request, context: context)
        guard request.method != .head, let image = await images.image(at: token.url) else {
            return TrackingResponses.gif(head: request.method == .head)
        }
        var headers = TrackingResponses.noCache
        headers[.contentType] = image.contentType
        headers[.contentSecurityPolicy] = "default-src 'none'; sandbox"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: image.body)))
    }

    @Sendable func click(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let token = token(.click, context) else {
            var headers = TrackingResponses.noCache
            headers[.contentType] = "text/html; charset=utf-8"
            let page = "<!doctype html><title>Not found</title><h1>Not found</h1><p>This link is not valid.</p>\n"
            return Response(status: .notFound, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        try await record(.click, token: token, linkIndex: token.index, request: request, context: context)
        var headers = TrackingResponses.noCache
        headers[.location] = token.url
        return Response(status: .found, headers: headers)
    }

    private func token(_ kind: TrackingToken.Kind, _ context: APIRequestContext) -> TrackingToken? {
        guard let text = context.parameters.get("token"), let token = codec.decode(text), token.kind == kind else {
            return nil
        }
        return token
    }

    private func record(
        _ kind: TrackingHit.Kind, token: TrackingToken, linkIndex: Int?, request: Request, context: APIRequestContext
    ) async throws {
        guard let message = MessageID(bytes: token.message) else { return }
        let hit = TrackingHit(
            kind: kind, message: message, linkIndex: linkIndex, url: token.url.isEmpty ? nil : token.url,
            ip: clientAddress.address(of: request, peer: context.peerAddress),
            userAgent: String((request.headers[.userAgent] ?? "").prefix(1024)),
            referer: String((request.headers[.referer] ?? "").prefix(2048)),
            isHead: request.method == .head, at: Date())
        do {
            try await recorder.record([.tracking(hit)])
        } catch {
            // Answering would claim the event is kept; it is not.
            throw APIError(
                .serviceUnavailable, code: "not_recorded", message: "the event could not be recorded; try again")
        }
    }
}

/// The fixed answers of tracked URLs.
enum TrackingResponses {
    static let noCache: HTTPFields = [
        .cacheControl: "no-store, no-cache, must-revalidate, private, max-age=0",
        HTTPField.Name("Pragma")!: "no-cache",
        .expires: "0",
    ]

    /// A transparent 1×1 GIF.
    static let pixelBytes: [UInt8] = [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF,
        0xFF, 0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
        0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
    ]

    static func gif(head: Bool) -> Response {
        var headers = noCache
        headers[.contentType] = "image/gif"
        headers[.contentLength] = String(pixelBytes.count)
        return Response(
            status: .ok, headers: headers, body: head ? .init() : .init(byteBuffer: ByteBuffer(bytes: pixelBytes)))
    }
}
