import RicochetCore

/// The addresses of tracked URLs: `{public URL}/t/o|i|c/{token}`.
struct TrackingURLs: Sendable {
    let base: String
    let codec: TrackingTokenCodec

    func pixel(for message: MessageID) -> String {
        base + "/t/o/" + codec.encode(TrackingToken(kind: .pixel, message: message.bytes, index: 0, url: ""))
    }

    func url(for link: TrackedLink, of message: MessageID) -> String {
        switch link.kind {
        case .click:
            base + "/t/c/"
                + codec.encode(TrackingToken(kind: .click, message: message.bytes, index: link.index, url: link.url))
        case .image:
            base + "/t/i/"
                + codec.encode(TrackingToken(kind: .image, message: message.bytes, index: link.index, url: link.url))
        }
    }
}
