import Foundation
import PostgresNIO
import RicochetCore
import RicochetStore

/// Wake-ups across nodes: every commit that queues deliveries sends one
/// `NOTIFY` (in the statement that commits them), and each node listens on a
/// connection of its own and wakes its dispatcher. When that connection is
/// lost, the node connects again with back-off; meanwhile its dispatcher
/// still looks at the queue every second.
extension PostgresStore {
    /// Starts the listening task, once.
    func startListening() {
        listenerTask.withLock { task in
            guard task == nil else { return }
            task = Task { [self] in await listen() }
        }
    }

    private func listen() async {
        var backoff = Backoff()
        while !Task.isCancelled {
            do {
                try await pool.client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        backoff.succeeded()
                        // Anything missed while not listening is found now.
                        self.eventsCommitted()
                        for try await _ in notifications { self.eventsCommitted() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                let wait = backoff.failed()
                logger.warning(
                    "listening for deliveries queued by other nodes failed; trying again",
                    metadata: ["error": "\(error)", "in": "\(wait)"])
                try? await Task.sleep(for: wait)
            }
        }
    }
}
