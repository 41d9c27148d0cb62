import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// What one HTTP connection is doing, as far as its deadline goes: a value
/// that takes the parts read and written and says when the connection is to
/// be closed. No clock of its own — the handler passes the time in — so it
/// is tested without sockets.
///
/// A connection may wait `timeout` for a complete request head (from its
/// start or from its last answer: idle keep-alive and a head sent a byte at
/// a time are bounded alike), `timeout` between parts of a request body,
/// and `timeout` for a client that stops reading an answer. While the server
/// works on an answer there is no bound: that is the handlers' to keep.
struct HTTPConnectionState {
    enum Action: Equatable {
        case none
        /// The answer is out and the connection is to end.
        case close
        /// An answer went out before its request was read whole (a body too
        /// large, a framing error): stop writing, read and drop what the
        /// client still sends for a moment, then close — closing at once
        /// would reset the connection and could lose the answer.
        case closeLingering
    }

    let timeout: TimeAmount
    /// Requests whose head was read and whose answer has not ended.
    private(set) var requestsOpen = 0
    /// The head of the newest request was read, its end not yet.
    private(set) var readingRequest = false
    private var lastProgress: NIODeadline
    /// Since when the client has not been reading what was written.
    private var blockedSince: NIODeadline?
    private var closeAfterAnswers = false

    init(timeout: TimeAmount, now: NIODeadline) {
        self.timeout = timeout
        lastProgress = now
    }

    mutating func read(_ part: HTTPRequestPart, now: NIODeadline) {
        lastProgress = now
        switch part {
        case .head:
            requestsOpen += 1
            readingRequest = true
        case .body:
            break
        case .end:
            readingRequest = false
        }
    }

    mutating func wrote(_ part: HTTPResponsePart, now: NIODeadline) -> Action {
        switch part {
        case .head(let head):
            if head.headerFields[.connection]?.lowercased() == "close" { closeAfterAnswers = true }
            return .none
        case .body:
            return .none
        case .end:
            let unread = readingRequest && requestsOpen == 1
            requestsOpen = max(0, requestsOpen - 1)
            lastProgress = now
            if unread { return .closeLingering }
            return closeAfterAnswers && requestsOpen == 0 ? .close : .none
        }
    }

    mutating func writability(_ writable: Bool, now: NIODeadline) {
        if writable {
            blockedSince = nil
        } else if blockedSince == nil {
            blockedSince = now
        }
    }

    /// When the connection is closed if nothing happens before; nil while
    /// the server is working on an answer.
    var deadline: NIODeadline? {
        if let blockedSince { return blockedSince + timeout }
        return requestsOpen == 0 || readingRequest ? lastProgress + timeout : nil
    }

    func expired(at now: NIODeadline) -> Bool {
        deadline.map { now >= $0 } ?? false
    }
}
