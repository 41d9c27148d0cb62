import HTTPTypes
import Hummingbird
import RicochetCore
import RicochetStore

/// The tracked URLs in messages: the open pixel, proxied images and link
/// redirects. Each hit is recorded durably before it is answered; a forged
/// token records nothing (images still answer an image, clicks a plain 404,
/// never a redirect).
///
/// Pixels and clicks are usually answered by ``TrackingFastPath`` before they
/// reach the router; these routes serve them when it steps aside, and serve
/// proxied images always.
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
        try await respond(.pixel, request, context)
    }

    @Sendable func click(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await respond(.click, request, context)
    }

    @Sendable func image(_ request: Request, context: APIRequestContext) async throws -> Response {
        let tracked = try await recorded(.image, request, context)
        guard let token = tracked.token, !tracked.isHead, let image = await images.image(at: token.url) else {
            return Response(TrackingAnswer.answer(.image, for: tracked))
        }
        var headers = TrackingAnswer.noCache
        headers[.contentType] = image.contentType
        headers[.contentSecurityPolicy] = "default-src 'none'; sandbox"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: image.body)))
    }

    private func respond(_ kind: TrackingToken.Kind, _ request: Request, _ context: APIRequestContext) async throws
        -> Response
    {
        Response(TrackingAnswer.answer(kind, for: try await recorded(kind, request, context)))
    }

    /// Reads the request and records its hit, if its token is genuine.
    private func recorded(_ kind: TrackingToken.Kind, _ request: Request, _ context: APIRequestContext) async throws
        -> TrackedRequest
    {
        let tracked = TrackedRequest(
            kind, token: context.parameters.get("token"), method: request.method, headers: request.headers,
            peer: context.peerAddress, codec: codec, clientAddress: clientAddress)
        if let hit = tracked.hit {
            do {
                try await recorder.record([.tracking(hit)])
            } catch {
                // Answering as usual would claim the event is kept; it is not.
                throw APIError(
                    .serviceUnavailable, code: "not_recorded", message: "the event could not be recorded; try again")
            }
        }
        return tracked
    }
}

extension Response {
    init(_ answer: (HTTPResponse, [UInt8])) {
        self.init(
            status: answer.0.status, headers: answer.0.headerFields,
            body: .init(byteBuffer: ByteBuffer(bytes: answer.1)))
    }
}
