import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// `/api/v1/settings`: the account's own settings — after how many soft
/// bounces within how many days an address is suppressed, whether the
/// messages API refuses a suppressed recipient or only warns, and how many
/// days its events are kept.
struct SettingsController<Settings: AccountSettingsStore>: Sendable {
    let settings: Settings

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("settings", use: show)
        group.patch("settings", use: update)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> SettingsView {
        let account = try context.requireAccount()
        return SettingsView(try await settings.settings(of: account.id))
    }

    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> SettingsView {
        let account = try context.requireAccount()
        let (input, object) = try await request.decodeJSONObject(as: SettingsInput.self, context: context)
        var current = try await settings.settings(of: account.id)
        if let limit = input.softBounceLimit {
            current.suppression.softBounceLimit = try Self.within(
                SuppressionSettings.softBounceLimits, limit, "soft_bounce_limit")
        }
        if let days = input.softBounceDays {
            current.suppression.softBounceDays = try Self.within(
                SuppressionSettings.softBounceDayRange, days, "soft_bounce_days")
        }
        if let mode = input.messagesSuppression {
            guard let parsed = SuppressionSettings.MessagesMode(rawValue: mode) else {
                throw APIError.badRequest(
                    "messages_suppression must be one of \(SuppressionSettings.MessagesMode.allCases.map(\.rawValue).joined(separator: ", "))",
                    code: "invalid_field")
            }
            current.suppression.messagesMode = parsed
        }
        // null keeps events for good; a number keeps them that many days.
        if object["event_retention_days"] == .null {
            current.eventRetentionDays = nil
        } else if let days = input.eventRetentionDays {
            current.eventRetentionDays = try Self.within(
                AccountSettings.eventRetentionRange, days, "event_retention_days")
        }
        try await settings.setSettings(current, of: account.id)
        return SettingsView(current)
    }

    static func within(_ range: ClosedRange<Int>, _ value: Int, _ name: String) throws -> Int {
        guard range.contains(value) else {
            throw APIError.badRequest(
                "\(name) must be from \(range.lowerBound) to \(range.upperBound)", code: "invalid_field")
        }
        return value
    }
}

/// A PATCH of the settings: each field left out stays as it is.
struct SettingsInput: StrictJSONBody {
    static let fields: Set<String> = [
        "soft_bounce_limit", "soft_bounce_days", "messages_suppression", "event_retention_days",
    ]
    static let nullable: Set<String> = ["event_retention_days"]

    let softBounceLimit: Int?
    let softBounceDays: Int?
    let messagesSuppression: String?
    let eventRetentionDays: Int?

    enum CodingKeys: String, CodingKey {
        case softBounceLimit = "soft_bounce_limit"
        case softBounceDays = "soft_bounce_days"
        case messagesSuppression = "messages_suppression"
        case eventRetentionDays = "event_retention_days"
    }
}

/// The settings as the API answers them.
struct SettingsView: ResponseEncodable, Sendable {
    let softBounceLimit: Int
    let softBounceDays: Int
    let messagesSuppression: String
    let eventRetentionDays: Int?

    enum CodingKeys: String, CodingKey {
        case softBounceLimit = "soft_bounce_limit"
        case softBounceDays = "soft_bounce_days"
        case messagesSuppression = "messages_suppression"
        case eventRetentionDays = "event_retention_days"
    }

    init(_ settings: AccountSettings) {
        softBounceLimit = settings.suppression.softBounceLimit
        softBounceDays = settings.suppression.softBounceDays
        messagesSuppression = settings.suppression.messagesMode.rawValue
        eventRetentionDays = settings.eventRetentionDays
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(softBounceLimit, forKey: .softBounceLimit)
        try container.encode(softBounceDays, forKey: .softBounceDays)
        try container.encode(messagesSuppression, forKey: .messagesSuppression)
        try container.encode(eventRetentionDays, forKey: .eventRetentionDays)
    }
}
