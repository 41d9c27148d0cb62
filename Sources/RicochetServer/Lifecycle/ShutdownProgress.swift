import ServiceLifecycle
import Synchronization

/// Where a shutdown is: which of the server's services were asked to stop
/// and have not yet, so that a shutdown past `--drain-timeout` says what it
/// waited for instead of only that it took too long.
///
/// Services stop one after another, in the reverse order of their start, and
/// each is asked only once those after it have ended; the HTTP server stops
/// before all of them (it drains its connections first).
public final class ShutdownProgress: Sendable {
    private struct Entry {
        let name: String
        var asked = false
        var finished = false
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    /// `service`, its start and end noted under `name`.
    func named<S: Service>(_ name: String, _ service: S) -> Tracked<S> {
        Tracked(name: name, service: service, progress: self)
    }

    fileprivate func started(_ name: String) {
        entries.withLock { $0.append(Entry(name: name)) }
    }

    fileprivate func asked(_ name: String) {
        entries.withLock { entries in
            if let index = entries.firstIndex(where: { $0.name == name }) { entries[index].asked = true }
        }
    }

    fileprivate func finished(_ name: String) {
        entries.withLock { entries in
            if let index = entries.firstIndex(where: { $0.name == name }) { entries[index].finished = true }
        }
    }

    /// What the shutdown waits for, in words: the services asked to stop that
    /// have not, or the HTTP server's connections when none was asked yet.
    public var waitingFor: String {
        entries.withLock { entries in
            let stopping = entries.filter { $0.asked && !$0.finished }.map(\.name)
            if !stopping.isEmpty { return stopping.joined(separator: ", ") }
            if entries.contains(where: { $0.asked }) { return "the services after those that stopped" }
            return "the HTTP server's open connections"
        }
    }

    struct Tracked<S: Service>: Service, CustomStringConvertible {
        let name: String
        let service: S
        let progress: ShutdownProgress

        var description: String { name }

        func run() async throws {
            progress.started(name)
            defer { progress.finished(name) }
            try await withGracefulShutdownHandler {
                try await service.run()
            } onGracefulShutdown: {
                progress.asked(name)
            }
        }
    }
}
