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

    /// Counts a new connection; false when it is one too many (it is
    /// counted all the same until it ``leave()``s).
    func enter() -> Bool {
        open.wrappingAdd(1, ordering: .relaxed).newValue <= maximum
    }

    func leave() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }
}
