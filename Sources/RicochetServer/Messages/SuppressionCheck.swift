import Foundation
import RicochetCore
import RicochetStore

/// Which of the messages about to be registered go to a suppressed
/// recipient, and what the account wants done about it.
struct SuppressionCheck {
    static let code = "recipient_suppressed"

    /// The entry in force for each message's recipient, by the message's place.
    let entries: [Int: StoredSuppression]
    let mode: SuppressionSettings.MessagesMode

    init(of messages: [Message], store: some SuppressionStore & AccountSettingsStore, account: Account.ID)
        async throws
    {
        let addresses = messages.map { SuppressedAddress.normalised($0.recipient) }
        let found = try await store.suppressions(of: addresses.compactMap { $0 }, account: account, at: Date())
        var entries: [Int: StoredSuppression] = [:]
        for (index, address) in addresses.enumerated() {
            if let address, let entry = found[address] { entries[index] = entry }
        }
        self.entries = entries
        mode = entries.isEmpty ? .refuse : try await store.settings(of: account).suppression.messagesMode
    }

    static func message(_ recipient: String, _ entry: StoredSuppression) -> String {
        "\(recipient) is on the suppression list (\(entry.reason.rawValue) since \(RFC3339.string(entry.createdAt)))"
    }

    /// The 422 for one suppressed recipient, with its entry.
    static func refusal(of recipient: String, _ entry: StoredSuppression) -> APIError {
        APIError(
            .unprocessableContent, code: code, message: message(recipient, entry),
            details: ["suppression": SuppressionView(entry).payload])
    }
}
