import RicochetStore

/// Stores accepted submissions in groups: those that arrive while one
/// transaction commits go into the next one together, so that concurrent
/// connections share a commit (and its fsync) rather than queue for one
/// each. A group that fails is stored again one by one, so that a problem
/// of one submission refuses only that one.
actor RelayGroupCommit<Store: RelayQueueStore> {
    static var largestGroup: Int { 64 }

    private let store: Store
    private var waiting: [(RelayAcceptance, CheckedContinuation<Void, any Error>)] = []
    private var committing = false

    init(store: Store) {
        self.store = store
    }

    /// Returns once the submission is durable; throws when it could not be stored.
    func accept(_ acceptance: RelayAcceptance) async throws {
        try await withCheckedThrowingContinuation { continuation in
            waiting.append((acceptance, continuation))
            if !committing {
                committing = true
                Task { await self.commitWaiting() }
            }
        }
    }

    private func commitWaiting() async {
        while !waiting.isEmpty {
            let group = Array(waiting.prefix(Self.largestGroup))
            waiting.removeFirst(group.count)
            do {
                try await store.accept(group.map(\.0))
                for (_, continuation) in group { continuation.resume() }
            } catch {
                guard group.count > 1 else {
                    group[0].1.resume(throwing: error)
                    continue
                }
                for (acceptance, continuation) in group {
                    do {
                        try await store.accept([acceptance])
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            }
        }
        committing = false
    }
}
