import NIOCore
import Synchronization

/// The HTTP connections open at once, shared by every connection's
/// ``HTTPConnectionGuard``: up to `maximum` are served; one more is answered
/// 503 and closed, so that a flood of connections cannot exhaust the file
/// descriptors the server needs for the database, the SMTP receiver and its
/// own outbound requests.
final class HTTPConnectionLimit: Sendable {
    let maximum: Int
    /// How long a connection may wait for a request, a body part or a reader.
    let idleTimeout: TimeAmount
    /// How long a connection closing after an early answer is read and dropped.
    let lingerTimeout: TimeAmount
    private let open = Atomic<Int>(0)

    init(maximum: Int, idleTimeout: TimeAmount, lingerTimeout: TimeAmount = .seconds(2)) {
        self.maximum = maximum
        self.idleTimeout = idleTimeout
        self.lingerTimeout = lingerTimeout
    }

    var count: Int { open.load(ordering: .relaxed) }

    enum Admission {
        case serve
        /// Answered 503 and closed.
        case refuse
        /// So far over that even answering costs too much: closed at once.
        case drop
    }

    /// Counts a new connection (until it ``leave()``s, whatever the answer).
    /// Past the maximum each is refused with an answer, which takes its
    /// descriptor for up to `lingerTimeout`; past a tenth more, it is closed
    /// without one, so that a flood cannot use up the descriptors that way.
    func enter() -> Admission {
        let count = open.wrappingAdd(1, ordering: .relaxed).newValue
        if count <= maximum { return .serve }
        return count <= maximum + maximum / 10 + 16 ? .refuse : .drop
    }

    func leave() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }
}
