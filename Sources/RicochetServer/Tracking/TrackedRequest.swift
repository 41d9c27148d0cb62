import Foundation
import HTTPTypes
import RicochetCore

/// What a request to a tracked URL means, whichever path serves it (the
/// router or the fast path): the hit to record, if its token is genuine, and
/// the answer. The two paths answer byte for byte alike.
struct TrackedRequest: Sendable {
    /// The hit to record; nil when the token is forged, tampered with or of
    /// another kind of URL.
    let hit: TrackingHit?
    /// The token, when genuine.
    let token: TrackingToken?
    let isHead: Bool

    init(
        _ kind: TrackingToken.Kind, token text: (some StringProtocol)?, method: HTTPRequest.Method,
        headers: HTTPFields, peer: String?, codec: TrackingTokenCodec, clientAddress: ClientAddress
    ) {
        isHead = method == .head
        guard let text, let token = codec.decode(text), token.kind == kind,
            let message = MessageID(bytes: token.message)
        else {
            self.token = nil
            hit = nil
            return
        }
        self.token = token
        hit = TrackingHit(
            kind: kind == .click ? .click : .open, message: message, linkIndex: kind == .pixel ? nil : token.index,
            url: token.url.isEmpty ? nil : token.url, ip: clientAddress.address(of: headers, peer: peer),
            userAgent: String((headers[.userAgent] ?? "").prefix(1024)),
            referer: String((headers[.referer] ?? "").prefix(2048)), isHead: isHead, at: Date())
    }
}

/// The fixed answers of tracked URLs, as status, header fields and body.
enum TrackingAnswer {
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

    static let notFoundPage = Array(
        "<!doctype html><title>Not found</title><h1>Not found</h1><p>This link is not valid.</p>\n".utf8)

    static let notRecordedBody = Array(
        (JSONPayloadEncoder.encode([
            "error": ["code": "not_recorded", "message": "the event could not be recorded; try again"]
        ]) + "\n").utf8)

    /// The pixel; HEAD gets its headers only.
    static func pixel(head: Bool) -> (HTTPResponse, [UInt8]) {
        var fields = noCache
        fields[.contentType] = "image/gif"
        fields[.contentLength] = String(pixelBytes.count)
        return (HTTPResponse(status: .ok, headerFields: fields), head ? [] : pixelBytes)
    }

    /// The redirect of a genuine click token.
    static func redirect(to url: String) -> (HTTPResponse, [UInt8]) {
        var fields = noCache
        fields[.location] = URIEncoding.encode(url)
        fields[.contentLength] = "0"
        return (HTTPResponse(status: .found, headerFields: fields), [])
    }

    /// A forged click token: a plain page, never a redirect.
    static func notFound(head: Bool) -> (HTTPResponse, [UInt8]) {
        var fields = noCache
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.contentLength] = String(notFoundPage.count)
        return (HTTPResponse(status: .notFound, headerFields: fields), head ? [] : notFoundPage)
    }

    /// Recording failed: answering as usual would claim the event is kept.
    static func notRecorded(head: Bool) -> (HTTPResponse, [UInt8]) {
        var fields: HTTPFields = [:]
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.contentLength] = String(notRecordedBody.count)
        return (HTTPResponse(status: .serviceUnavailable, headerFields: fields), head ? [] : notRecordedBody)
    }

    /// The answer after recording (or after finding nothing to record).
    static func answer(_ kind: TrackingToken.Kind, for request: TrackedRequest) -> (HTTPResponse, [UInt8]) {
        switch kind {
        case .pixel, .image: pixel(head: request.isHead)
        case .click: request.token.map { redirect(to: $0.url) } ?? notFound(head: request.isHead)
        }
    }
}
