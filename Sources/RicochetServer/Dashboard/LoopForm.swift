import Foundation
import RicochetCore

/// The form that creates and edits a loop: what the user typed, kept as
/// typed so a refused form comes back as it was, and turned into checked
/// values. Refusals are ``APIError``s whose code names the field.
struct LoopForm {
    var url = ""
    var events: Set<String> = ["open", "click"]
    var format = "form"
    var description = ""
    var concurrency: String
    var rateLimit = ""
    var timeout: String
    var batch = false
    var batchEvents = "100"
    var batchWait = "1000"
    /// nil when the form had no signing choices (a client from before them): keep what there is.
    var signing: Set<String>?

    init(defaults settings: DeliverySettings = DeliverySettings()) {
        concurrency = String(settings.concurrency)
        rateLimit = settings.rateLimit.map { Self.number($0) } ?? ""
        timeout = Self.number(settings.timeoutSeconds)
        if let batch = settings.batch {
            self.batch = true
            batchEvents = String(batch.maxEvents)
            batchWait = String(batch.maxWaitMilliseconds)
        }
    }

    init(_ loop: FeedbackLoop) {
        self.init(defaults: loop.delivery)
        url = loop.url.absoluteString
        events = Set(loop.events.map(\.rawValue))
        format = loop.format.rawValue
        description = loop.description
        signing = Set(loop.signing.map(\.rawValue))
    }

    init(_ form: FormBody) {
        self.init()
        url = form["url"] ?? ""
        events = Set(form.all("events"))
        format = form["format"] ?? "form"
        description = form["description"] ?? ""
        concurrency = form["concurrency"] ?? concurrency
        rateLimit = form["rate_limit"] ?? ""
        timeout = form["timeout_seconds"] ?? timeout
        batch = form["batch"] == "on"
        batchEvents = form["batch_max_events"] ?? batchEvents
        batchWait = form["batch_max_wait_ms"] ?? batchWait
        signing = form["signing_shown"] == nil ? nil : Set(form.all("signing"))
    }

    /// The checked loop settings, over `settings` (the loop's, when editing).
    func checked(over settings: DeliverySettings = DeliverySettings()) throws -> LoopDraft {
        var draft = LoopDraft(
            url: try LoopInput.url(url.trimmingCharacters(in: .whitespaces)),
            events: try LoopInput.events(events.sorted()),
            format: try LoopInput.format(format),
            description: try LoopInput.description(description),
            signing: try signing.map { try LoopInput.signing($0.sorted()) } ?? SigningScheme.newLoopDefault)
        var delivery = settings
        delivery.concurrency = try Self.whole(concurrency, "Requests at once")
        let rate = rateLimit.trimmingCharacters(in: .whitespaces)
        delivery.rateLimit = rate.isEmpty ? nil : try Self.decimal(rate, "Requests per second")
        delivery.timeoutSeconds = try Self.decimal(timeout, "The timeout")
        delivery.batch =
            batch
            ? .init(
                maxEvents: try Self.whole(batchEvents, "Events per batch"),
                maxWaitMilliseconds: try Self.whole(batchWait, "The wait for more"))
            : nil
        if let problem = delivery.problem {
            throw APIError.badRequest(problem.replacingOccurrences(of: "_", with: " "), code: "invalid_delivery")
        }
        draft.delivery = delivery
        return draft
    }

    /// The form's values for the template, with the refusal next to its field.
    func view(error: APIError?) -> [String: Any] {
        var view: [String: Any] = [
            "url": url, "description": description,
            "events": EventType.allCases.map { ["name": $0.rawValue, "checked": events.contains($0.rawValue)] },
            "formForm": format != "json", "formJSON": format == "json", "concurrency": concurrency,
            "rateLimit": rateLimit, "timeout": timeout, "batch": batch, "batchEvents": batchEvents,
            "batchWait": batchWait,
            "signing": SigningScheme.allCases.map {
                [
                    "name": $0.rawValue,
                    "checked": (signing ?? Set(SigningScheme.newLoopDefault.map(\.rawValue))).contains($0.rawValue),
                    "label": Self.signingLabels[$0] ?? $0.rawValue,
                ]
            },
        ]
        if let error {
            switch error.code {
            case "invalid_url": view["urlError"] = error.message
            case "invalid_events": view["eventsError"] = error.message
            case "invalid_description": view["descriptionError"] = error.message
            case "invalid_delivery": view["deliveryError"] = DashboardPage.sentence(error.message)
            case "invalid_signing": view["signingError"] = DashboardPage.sentence(error.message)
            default: view["error"] = error.message
            }
        }
        return view
    }

    /// What each scheme is, in the form's words.
    static let signingLabels: [SigningScheme: String] = [
        .standardWebhooks: "Standard Webhooks (HMAC-SHA256 with the loop's secret: webhook-signature v1)",
        .standardWebhooksEd25519: "Standard Webhooks with the loop's own Ed25519 key (v1a)",
        .httpMessageSignatures: "HTTP Message Signatures (RFC 9421, Ed25519, keys in /.well-known/ricochet-keys)",
        .classicRSA: "Classic feedback-loop signature (RSA, Signature with keyId, Digest, X-Nonce)",
    ]

    private static func whole(_ text: String, _ name: String) throws -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw APIError.badRequest("\(name) must be a whole number.", code: "invalid_delivery")
        }
        return value
    }

    private static func decimal(_ text: String, _ name: String) throws -> Double {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw APIError.badRequest("\(name) must be a number.", code: "invalid_delivery")
        }
        return value
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
