import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Testing

@testable import RicochetServer

/// The HTTP connection's deadline, part by part, with the time passed in.
@Suite("HTTP connection deadline")
struct HTTPConnectionStateTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    func at(_ seconds: Int64) -> NIODeadline { start + .seconds(seconds) }

    let head = HTTPRequestPart.head(HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/api/v1/events"))
    let answer = HTTPResponsePart.head(HTTPResponse(status: .ok))

    @Test("a new connection must send a whole request head within the timeout")
    func headDeadline() {
        let state = HTTPConnectionState(timeout: .seconds(30), now: start)
        #expect(state.deadline == at(30))
        #expect(!state.expired(at: at(29)) && state.expired(at: at(30)))
    }

    @Test("each body part moves the deadline; none while the server works; the answer starts the idle time")
    func request() {
        var state = HTTPConnectionState(timeout: .seconds(30), now: start)
        state.read(head, now: at(10))
        #expect(state.deadline == at(40))
        state.read(.body(ByteBuffer(string: "x")), now: at(35))
        #expect(state.deadline == at(65))
        state.read(.end(nil), now: at(36))
        #expect(state.deadline == nil, "the server is working on the answer: no bound here")
        #expect(state.wrote(answer, now: at(100)) == .none)
        #expect(state.wrote(.end(nil), now: at(101)) == .none)
        #expect(state.deadline == at(131), "idle keep-alive from the end of the answer")
    }

    @Test("a client that stops reading the answer is bounded too")
    func slowReader() {
        var state = HTTPConnectionState(timeout: .seconds(30), now: start)
        state.read(head, now: at(1))
        state.read(.end(nil), now: at(1))
        _ = state.wrote(answer, now: at(2))
        state.writability(false, now: at(3))
        #expect(state.deadline == at(33))
        state.writability(true, now: at(20))
        #expect(state.deadline == nil)
    }

    @Test("an answer before the request was read whole lingers; Connection: close closes after the answer")
    func closing() {
        var early = HTTPConnectionState(timeout: .seconds(30), now: start)
        early.read(head, now: at(1))
        _ = early.wrote(.head(HTTPResponse(status: .contentTooLarge)), now: at(1))
        #expect(early.wrote(.end(nil), now: at(1)) == .closeLingering)

        var close = HTTPConnectionState(timeout: .seconds(30), now: start)
        close.read(head, now: at(1))
        close.read(.end(nil), now: at(1))
        _ = close.wrote(.head(HTTPResponse(status: .ok, headerFields: [.connection: "close"])), now: at(2))
        #expect(close.wrote(.end(nil), now: at(2)) == .close)
    }

    @Test("pipelined: the first answer ending while the second request is read is not an early answer")
    func pipelined() {
        var state = HTTPConnectionState(timeout: .seconds(30), now: start)
        state.read(head, now: at(1))
        state.read(.end(nil), now: at(1))
        state.read(head, now: at(2))
        _ = state.wrote(answer, now: at(3))
        #expect(state.wrote(.end(nil), now: at(3)) == .none)
        #expect(state.requestsOpen == 1 && state.readingRequest)
    }

    @Test("admission: served up to the cap, answered 503 a little past it, closed at once beyond")
    func admission() {
        let limit = HTTPConnectionLimit(maximum: 10, idleTimeout: .seconds(30))
        let answers = (0..<30).map { _ in limit.enter() }
        #expect(answers.prefix(10).allSatisfy { $0 == .serve })
        #expect(answers[10..<27].allSatisfy { $0 == .refuse }, "a tenth more, and 16, are told why")
        #expect(answers[27...].allSatisfy { $0 == .drop })
        for _ in 0..<21 { limit.leave() }
        #expect(limit.count == 9 && limit.enter() == .serve)
    }
}
