import CoreMetrics
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import RicochetCore

/// Answers the two URLs that floods are made of — the open pixel and click
/// redirects — in the connection's channel pipeline, ahead of the router:
/// no request object, no task, one hand-off to the recorder and one back.
/// Everything else, and these URLs too whenever the fast path cannot answer
/// them in order, passes on to the router unchanged.
///
/// HTTP/1.1 answers in request order. While the router still owes answers on
/// this connection, tracked requests go to the router too; while this handler
/// waits for a recording, later requests are held (and reading pauses) until
/// its answer is written.
final class TrackingFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Records a hit, then calls back on the given event loop with whether
    /// it is durable.
    typealias Record = @Sendable (TrackingHit, any EventLoop, @escaping @Sendable (Bool) -> Void) -> Void

    struct Configuration: Sendable {
        let codec: TrackingTokenCodec
        let clientAddress: ClientAddress
        let record: Record
        /// Counts the answers, under the routes the router has for these URLs.
        var metrics = HTTPMetrics(factory: NOOPMetricsHandler.instance)
    }

    private enum State {
        /// Between requests, or passing one on to the router.
        case idle
        /// A tracked request's head is read; its end is awaited.
        case reading(HTTPRequest, TrackingToken.Kind, token: Substring)
        /// The recording of a tracked request is under way.
        case answering
        /// The client asked to close after an answer of this handler.
        case closing
    }

    private let configuration: Configuration
    private var state = State.idle
    /// Requests passed to the router whose answers have not ended yet.
    private var routed = 0
    /// What arrived while answering — parts, or a parse error of the bytes
    /// after the request — passed on in order once the answer is out.
    private var held: [Held] = []

    private enum Held {
        case part(NIOAny)
        case error(any Error)
        /// Such as the end of the client's input: reading goes on while an
        /// answer is pending, and what follows hears of it after the answer.
        case event(Any)
    }
    private var readWanted = false
    private var active = true
    /// Shutdown began while an answer was pending: once it is written the
    /// connection is let go, and held requests are not taken up.
    private var quiesceHeld = false
    private var date = HTTPDate()

    init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .answering:
            held.append(.part(data))
            return
        case .closing:
            return
        case .idle, .reading:
            break
        }
        switch (state, unwrapInboundIn(data)) {
        case (.idle, .head(let head)):
            if routed == 0, let (kind, token) = Self.trackedURL(head) {
                state = .reading(head, kind, token: token)
            } else {
                routed += 1
                context.fireChannelRead(data)
            }
        case (.reading, .body):
            break  // GET and HEAD carry no meaningful body
        case (.reading(let head, let kind, let token), .end):
            answer(head, kind, token: token, context: context)
        default:
            context.fireChannelRead(data)
        }
    }

    /// Holds the next read while an answer is pending and something already
    /// waits behind it: a pipelining client cannot make this handler buffer
    /// more than one read's worth, and a client that sends one request at a
    /// time never has reading switched off and on again (two `epoll_ctl`
    /// calls a hit).
    func read(context: ChannelHandlerContext) {
        if isAnswering, !held.isEmpty {
            readWanted = true
        } else {
            context.read()
        }
    }

    private var isAnswering: Bool {
        if case .answering = state { true } else { false }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { routed = max(0, routed - 1) }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch state {
        case .answering: held.append(.error(error))
        case .closing: break
        case .idle, .reading: context.fireErrorCaught(error)
        }
    }

    /// A hit being recorded is answered before shutdown may close the
    /// connection: the event is kept, so its answer must go out too.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard isAnswering else { return context.fireUserInboundEventTriggered(event) }
        if event is ChannelShouldQuiesceEvent {
            quiesceHeld = true
        } else {
            held.append(.event(event))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        held.removeAll()
        context.fireChannelInactive()
    }

    /// The kind and token of a pixel or click URL that the fast path answers;
    /// nil for anything else (including spellings the router would decode,
    /// such as percent escapes).
    static func trackedURL(_ head: HTTPRequest) -> (TrackingToken.Kind, Substring)? {
        guard head.method == .get || head.method == .head, let path = head.path, path.utf8.count > 5 else {
            return nil
        }
        let kind: TrackingToken.Kind
        if path.hasPrefix("/t/o/") {
            kind = .pixel
        } else if path.hasPrefix("/t/c/") {
            kind = .click
        } else {
            return nil
        }
        let rest = path.dropFirst(5)
        let token = rest.prefix { $0 != "?" }
        guard !token.isEmpty, !token.utf8.contains(UInt8(ascii: "/")), !token.utf8.contains(UInt8(ascii: "%")) else {
            return nil
        }
        return (kind, token)
    }

    private func answer(
        _ head: HTTPRequest, _ kind: TrackingToken.Kind, token: Substring, context: ChannelHandlerContext
    ) {
        state = .answering
        let keepAlive = head.headerFields[.connection]?.lowercased() != "close"
        let tracked = TrackedRequest(
            kind, token: token, method: head.method, headers: head.headerFields,
            peer: context.channel.remoteAddress?.ipAddress, codec: configuration.codec,
            clientAddress: configuration.clientAddress)
        guard let hit = tracked.hit else {
            return finish(
                TrackingAnswer.answer(kind, for: tracked), kind: kind, keepAlive: keepAlive, context: context)
        }
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        configuration.record(hit, loop) { recorded in
            let (handler, context) = bound.value
            let answer =
                recorded ? TrackingAnswer.answer(kind, for: tracked) : TrackingAnswer.notRecorded(head: tracked.isHead)
            handler.finish(answer, kind: kind, keepAlive: keepAlive, context: context)
        }
    }

    private func finish(
        _ answer: (HTTPResponse, [UInt8]), kind: TrackingToken.Kind, keepAlive: Bool, context: ChannelHandlerContext
    ) {
        guard active else { return }
        var (head, body) = answer
        configuration.metrics.answered(
            route: kind == .pixel ? "/t/o/{token}" : "/t/c/{token}", status: head.status.code)
        head.headerFields[.date] = date.string(at: Int64(Date().timeIntervalSince1970))
        if !keepAlive { head.headerFields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !body.isEmpty {
            context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        }
        guard keepAlive else {
            state = .closing
            held.removeAll()
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
            return
        }
        if quiesceHeld {
            state = .closing
            held.removeAll()
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                bound.value.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            }
            return
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        state = .idle
        let parts = held
        held.removeAll()
        for part in parts {
            switch part {
            case .part(let data): channelRead(context: context, data: data)
            case .error(let error): errorCaught(context: context, error: error)
            case .event(let event): userInboundEventTriggered(context: context, event: event)
            }
        }
        if readWanted, !isAnswering {
            readWanted = false
            context.read()
        }
    }
}
