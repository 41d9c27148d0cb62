import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import RicochetCore

/// First handler after HTTP decoding on every connection: counts it against
/// the ``HTTPConnectionLimit`` (refusing it with 503 when over), keeps its
/// deadline (``HTTPConnectionState``), and closes it after an answer that
/// says `Connection: close` or that came before its request was read whole.
/// It sees every request and answer, those of the tracking fast path too.
final class HTTPConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Mode {
        case serving
        /// Over the limit: the first request is answered 503, then lingering.
        case refusing
        /// Output closed; what still comes is dropped until the client closes.
        case lingering
        case closed
    }

    private let limit: HTTPConnectionLimit
    private var state: HTTPConnectionState
    private var mode = Mode.serving
    private var counted = false
    private var timer: Scheduled<Void>?

    /// Where the refusals are counted (under the route ``HTTPMetrics/overLimit``).
    private let metrics: HTTPMetrics?

    init(limit: HTTPConnectionLimit, metrics: HTTPMetrics? = nil) {
        self.limit = limit
        self.metrics = metrics
        state = HTTPConnectionState(timeout: limit.idleTimeout, now: .now())
    }

    static let refusalBody = Array(
        (JSONPayloadEncoder.encode([
            "error": [
                "code": "too_many_connections", "message": "the server has too many open connections; try again",
            ]
        ]) + "\n").utf8)

    func handlerAdded(context: ChannelHandlerContext) {
        counted = true
        switch limit.enter() {
        case .serve: break
        case .refuse: mode = .refusing
        case .drop: mode = .closed
        }
        if context.channel.isActive { start(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        mode = .closed
        release()
        context.fireChannelInactive()
    }

    private func release() {
        timer?.cancel()
        timer = nil
        if counted {
            counted = false
            limit.leave()
        }
    }

    private func start(context: ChannelHandlerContext) {
        state = HTTPConnectionState(timeout: limit.idleTimeout, now: .now())
        if case .closed = mode {
            context.close(promise: nil)
        } else if case .refusing = mode {
            // A client that sends no request in time is not answered at all.
            schedule(at: .now() + limit.lingerTimeout, context: context)
        } else {
            armTimer(context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch mode {
        case .serving:
            state.read(unwrapInboundIn(data), now: .now())
            armTimer(context: context)
            context.fireChannelRead(data)
        case .refusing:
            guard case .end = unwrapInboundIn(data) else { return }
            refuse(context: context)
        case .lingering, .closed:
            break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .serving = mode else {
            promise?.fail(ChannelError.outputClosed)
            return
        }
        let action = state.wrote(unwrapOutboundIn(data), now: .now())
        switch action {
        case .none:
            context.write(data, promise: promise)
            armTimer(context: context)
        case .close:
            mode = .closed
            // Closed once the answer is out: closing earlier fails what is
            // still queued for a slow reader.
            writeLast(data, promise: promise, context: context) { $0.close(promise: nil) }
        case .closeLingering:
            mode = .lingering
            timer?.cancel()
            writeLast(data, promise: promise, context: context) { [self] in linger(context: $0) }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        state.writability(context.channel.isWritable, now: .now())
        armTimer(context: context)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Framing errors reach the request handler as the body's error, and
        // are answered 400 there; after lingering starts they are noise.
        if case .serving = mode { context.fireErrorCaught(error) }
    }

    private func writeLast(
        _ data: NIOAny, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext,
        then: @escaping (ChannelHandlerContext) -> Void
    ) {
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { result in
            promise?.completeWith(result)
            then(context)
        }
        context.writeAndFlush(data, promise: written)
    }

    private func refuse(context: ChannelHandlerContext) {
        metrics?.answered(route: HTTPMetrics.overLimit, status: 503)
        var fields = HTTPFields()
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.contentLength] = String(Self.refusalBody.count)
        fields[.connection] = "close"
        fields[.retryAfter] = "1"
        context.write(
            wrapOutboundOut(.head(HTTPResponse(status: .serviceUnavailable, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: Self.refusalBody))), promise: nil)
        mode = .lingering
        writeLast(wrapOutboundOut(.end(nil)), promise: nil, context: context) { [self] in linger(context: $0) }
    }

    private func linger(context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        timer?.cancel()
        context.close(mode: .output, promise: nil)
        schedule(at: .now() + limit.lingerTimeout, context: context)
    }

    /// One timer at a time, at the state's deadline.
    private func armTimer(context: ChannelHandlerContext) {
        guard timer == nil, let deadline = state.deadline else { return }
        schedule(at: deadline, context: context)
    }

    private func schedule(at deadline: NIODeadline, context: ChannelHandlerContext) {
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            switch mode {
            case .serving:
                if state.expired(at: .now()) {
                    mode = .closed
                    context.close(promise: nil)
                } else {
                    armTimer(context: context)
                }
            case .refusing, .lingering:
                mode = .closed
                context.close(promise: nil)
            case .closed:
                break
            }
        }
    }
}
