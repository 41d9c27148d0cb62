import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// `/api/v1/settings`: the account's own settings — for now those of its
/// suppression list: after how many soft bounces within how many days an
/// address is suppressed, and whether the messages API refuses a
/// suppressed recipient or only warns.
struct SettingsController<Settings: SuppressionStore>: Sendable {
    let settings: Settings

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("settings", use: show)
        group.patch("settings", use: update)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> SettingsView {
        let account = try context.requireAccount()
        return SettingsView(try await settings.suppressionSettings(of: account.id))
    }

    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> SettingsView {
        let account = try context.requireAccount()
        let input = try await request.decodeJSON(as: SettingsInput.self, context: context)
        var current = try await settings.suppressionSettings(of: account.id)
        if let limit = input.softBounceLimit {
            current.softBounceLimit = try Self.within(SuppressionSettings.softBounceLimits, limit, "soft_bounce_limit")
        }
        if let days = input.softBounceDays {
            current.softBounceDays = try Self.within(SuppressionSettings.softBounceDayRange, days, "soft_bounce_days")
        }
        if let mode = input.messagesSuppression {
            guard let parsed = SuppressionSettings.MessagesMode(rawValue: mode) else {
                throw APIError.badRequest(
                    "messages_suppression must be one of \(SuppressionSettings.MessagesMode.allCases.map(\.rawValue).joined(separator: ", "))",
                    code: "invalid_field")
            }
            current.messagesMode = parsed
        }
        try await settings.setSuppressionSettings(current, of: account.id)
        return SettingsView(current)
    }
}

extension SettingsController {
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
    static let fields: Set<String> = ["soft_bounce_limit", "soft_bounce_days", "messages_suppression"]

    let softBounceLimit: Int?
    let softBounceDays: Int?
    let messagesSuppression: String?

    enum CodingKeys: String, CodingKey {
        case softBounceLimit = "soft_bounce_limit"
        case softBounceDays = "soft_bounce_days"
        case messagesSuppression = "messages_suppression"
    }
}

/// The settings as the API answers them.
struct SettingsView: ResponseEncodable, Sendable {
    let softBounceLimit: Int
    let softBounceDays: Int
    let messagesSuppression: String

    enum CodingKeys: String, CodingKey {
        case softBounceLimit = "soft_bounce_limit"
        case softBounceDays = "soft_bounce_days"
        case messagesSuppression = "messages_suppression"
    }

    init(_ settings: SuppressionSettings) {
        softBounceLimit = settings.softBounceLimit
        softBounceDays = settings.softBounceDays
        messagesSuppression = settings.messagesMode.rawValue
    }
}
