import Foundation
import RicochetCore
import RicochetStore

/// Turns what recorded events say about their recipients
/// (``EventDraft/suppressionSignal``) into writes to the suppression list,
/// as ``SuppressionPolicy`` decides from what the list holds now: the
/// account's settings, whether the address has an entry in force, and its
/// soft bounces within the window — those of the same batch counted too.
///
/// The reads come before the transaction that writes: two nodes counting
/// the same address's soft bounces at the same moment may each miss the
/// other's, and the address is then suppressed one bounce later.
struct AutomaticSuppression<Store: SuppressionStore & AccountSettingsStore>: Sendable {
    struct Signal {
        let event: Event
        let recipient: String
        let signal: SuppressionSignal
    }

    let store: Store

    func writes(for signals: [Signal], now: Date) async throws -> [SuppressionWrite] {
        var settings: [Account.ID: SuppressionSettings] = [:]
        var suppressedNow: Set<[String]> = []
        var softInBatch: [[String]: Int] = [:]
        var writes: [SuppressionWrite] = []
        for item in signals {
            guard let address = SuppressedAddress.normalised(item.recipient.trimmingCharacters(in: .whitespaces))
            else { continue }
            let account = item.event.accountID
            let key = [account, address]
            guard !suppressedNow.contains(key) else { continue }
            let accountSettings: SuppressionSettings
            if let known = settings[account] {
                accountSettings = known
            } else {
                accountSettings = try await store.settings(of: account).suppression
                settings[account] = accountSettings
            }
            let inForce = try await store.suppression(of: address, account: account, at: now) != nil
            var softBounces = 0
            if item.signal == .softBounce, !inForce {
                let since = SuppressionPolicy.windowStart(at: now, settings: accountSettings)
                softBounces =
                    try await store.softBounces(of: address, account: account, since: since)
                    + softInBatch[key, default: 0] + 1
            }
            switch SuppressionPolicy.decide(
                item.signal, inForce: inForce, softBounces: softBounces, settings: accountSettings)
            {
            case .none:
                break
            case .countSoftBounce:
                softInBatch[key, default: 0] += 1
                writes.append(
                    .softBounce(account: account, address: address, at: item.event.occurredAt, cause: item.event.id))
            case .suppress(let reason):
                suppressedNow.insert(key)
                let entry = StoredSuppression(
                    address: address, account: account, reason: reason, eventID: item.event.id, now: now)
                writes.append(.suppress(entry, event: entry.creationEvent()))
            }
        }
        return writes
    }
}
