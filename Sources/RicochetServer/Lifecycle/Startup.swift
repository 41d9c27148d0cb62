import Foundation
import RicochetCore
import RicochetStore
import ServiceLifecycle
import Synchronization

/// Start-up in its order. The listeners bind first; once every one of them
/// is up — and only then — a new database gets its first account, the node
/// becomes ready and the banner is shown. A listener that cannot bind ends
/// the whole service group before any of that, so a key is never made that
/// nobody sees, and nothing says "running" that is not.
final class Startup<Accounts: AccountStore>: Service, Sendable {
    enum Listener: Sendable, Hashable {
        case http
        case smtp
        case submission
        case metrics
    }

    private let expected: Set<Listener>
    private let accounts: Accounts
    private let readiness: Readiness
    private let onReady: @Sendable ([Listener: Int], FirstStartAnnouncement?) async -> Void
    private let (events, sink) = AsyncStream.makeStream(of: (Listener, Int).self)

    init(
        listeners: Set<Listener>, accounts: Accounts, readiness: Readiness,
        onReady: @escaping @Sendable ([Listener: Int], FirstStartAnnouncement?) async -> Void
    ) {
        expected = listeners
        self.accounts = accounts
        self.readiness = readiness
        self.onReady = onReady
    }

    /// A listener is bound to `port`.
    func bound(_ listener: Listener, port: Int) {
        sink.yield((listener, port))
    }

    func run() async throws {
        var ports: [Listener: Int] = [:]
        for await (listener, port) in events {
            ports[listener] = port
            if Set(ports.keys) == expected { break }
        }
        // Cancelled while waiting: a listener failed, and says why itself.
        guard Set(ports.keys) == expected else { throw CancellationError() }
        let first = try await createFirstAccountIfNeeded(in: accounts)
        // The banner (with a first start's key) before readiness: whoever
        // waits for /readyz finds the key already printed.
        await onReady(ports, first)
        await readiness.started()
        // Returning before shutdown would end the service group.
        try? await gracefulShutdown()
    }
}

/// On an empty database, creates the first account so that a newcomer gets a
/// key without any other step.
func createFirstAccountIfNeeded(in store: some AccountStore) async throws -> FirstStartAnnouncement? {
    guard try await !store.hasAccounts() else { return nil }
    let key = APIKey.generate()
    // Nodes starting together on an empty database: one of them makes it.
    guard let account = try await store.createFirstAccount(name: "default", key: key, now: Date()) else {
        return nil
    }
    return FirstStartAnnouncement(accountName: account.name, apiKey: key.secret)
}
