import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// Hummingbird's HTTP/1.1 connections, safe against one accepted while the
/// server stops.
///
/// NIO passes each accepted connection to the server's accept loop through a
/// stream. One accepted in the moment the listening socket closes can be
/// dropped from that stream and never served; its async channel, released
/// unfinished when the connection becomes active, then stops the whole
/// process (a precondition of `NIOAsyncWriter`; swift-nio issue 3481). Here
/// every connection is held until the loop takes it or it closes, and one
/// the loop has not taken when the stopping server asks its connections to
/// quiesce is closed unanswered: the client sees a connection closed before
/// any answer, nothing it was told was done is lost.
struct HandedOverHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let waiting = WaitingConnections()

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let id = ObjectIdentifier(channel)
        let waiting = self.waiting
        waiting.insert(id)
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try channel.pipeline.syncOperations.addHandler(
                CloseWhenQuiescedWaiting(id: id, waiting: waiting), position: .first)
            channel.closeFuture.whenComplete { _ in
                // Never taken: finished here, as serving it would have.
                if waiting.remove(id) { Task { try? await value.executeThenClose { _, _ in } } }
            }
            return value
        }.always { result in
            if case .failure = result { _ = waiting.remove(id) }
        }
    }

    func handle(value: Value, logger: Logger) async {
        _ = waiting.remove(ObjectIdentifier(value.channel))
        await inner.handle(value: value, logger: logger)
    }
}

/// The connections set up and not yet taken by the accept loop.
final class WaitingConnections: Sendable {
    private let ids = Mutex<Set<ObjectIdentifier>>([])

    func insert(_ id: ObjectIdentifier) {
        _ = ids.withLock { $0.insert(id) }
    }

    /// Whether `id` was waiting.
    func remove(_ id: ObjectIdentifier) -> Bool {
        ids.withLock { $0.remove(id) != nil }
    }

    func contains(_ id: ObjectIdentifier) -> Bool {
        ids.withLock { $0.contains(id) }
    }
}

/// First in a connection's pipeline: on the server's request to quiesce, a
/// connection still waiting for the accept loop is closed (the loop has
/// stopped taking them); others hear the request as usual.
final class CloseWhenQuiescedWaiting: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    let id: ObjectIdentifier
    let waiting: WaitingConnections

    init(id: ObjectIdentifier, waiting: WaitingConnections) {
        self.id = id
        self.waiting = waiting
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, waiting.contains(id) {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 as `.http1(configuration:)`, with connections accepted while
    /// the server stops closed instead of stopping the process.
    static func handedOverHTTP1(configuration: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        .init { responder in
            HandedOverHTTP1Channel(inner: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}
