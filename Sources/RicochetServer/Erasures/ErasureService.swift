import Foundation
import RicochetCore
import RicochetStore

/// Erases one person from an account (``ErasureStore/erase(_:account:key:messages:)``)
/// and keeps the record of it.
///
/// Every node reads a message again at most ``EventRecorder/messageCacheLifetime``
/// after it last did, and records nothing for an erased one; what a node
/// recorded in that moment with what it had read before is found by a
/// second run after it, and counted with the first. (So an erasure of
/// someone who has messages answers after `settle`, a few seconds.)
struct ErasureService<S: ErasureStore & SecretStore>: Sendable {
    let store: S
    /// How long after the first run the second one looks again.
    let settle: Duration

    enum Failure: Error, Equatable {
        case notAnAddress(String)
    }

    func erase(_ recipient: String, account: Account.ID, now: @Sendable () -> Date = Date.init) async throws
        -> StoredErasure
    {
        let written = recipient.trimmingCharacters(in: .whitespaces)
        guard let address = SuppressedAddress.normalised(written) else { throw Failure.notAnAddress(written) }
        let key = ErasedAddress(secret: try await store.secret(named: "erasure")).key(for: address)
        let first = try await store.erase(address, account: account, key: key, messages: [])
        var counts = first.counts
        // With no message of theirs, no node can have one in hand.
        if !first.messages.isEmpty {
            try await Task.sleep(for: settle)
            counts =
                counts + (try await store.erase(address, account: account, key: key, messages: first.messages).counts)
        }
        let erasure = StoredErasure(account: account, addressKey: key, counts: counts, now: now())
        try await store.insert(erasure)
        return erasure
    }
}
