import Foundation
import Hummingbird
import OrderedCollections
import RicochetCore
import RicochetStore

/// `POST /api/v1/events`: deliveries and failures as the sending MTA reports
/// them, one (an object) or a batch (`{"events": [...]}`). Each item stands
/// alone against what is known: one naming an unknown message is refused
/// (422 in its result), the rest recorded. A request with an item the
/// document does not allow (a field mistyped, out of range, unknown) is
/// refused whole with 400, every such item named, and nothing recorded: it
/// is a mistake of the sender's program, not news of one message.
struct MTAEventController<S: RecordingStore>: Sendable {
    let messages: S
    let recorder: EventRecorder<S>

    static var maximumBatch: Int { 10_000 }
    /// Room for a full batch of typical reports; checked before parsing.
    static var maximumBodyBytes: Int { 16 * 1024 * 1024 }
    static var fields: Set<String> {
        ["type", "message", "state", "action", "code", "extended", "description", "time"]
    }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("events", use: report)
    }

    /// The outcome of one item.
    struct ItemResult: Encodable {
        struct Failure: Encodable {
            let code: String
            let message: String
        }

        let index: Int
        let status: Int
        let event: String?
        let error: Failure?
    }

    struct ReportView: ResponseEncodable {
        let accepted: Int
        let rejected: Int
        let results: [ItemResult]
    }

    @Sendable func report(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<ReportView> {
        let account = try context.requireAccount()
        var request = request
        let body = try await request.collectBody(limit: Self.maximumBodyBytes)
        let parsed: PayloadValue
        do {
            parsed = try JSONPayloadDecoder.decode(body.readableBytesView)
        } catch {
            throw APIError.badRequest("the request body is not valid JSON: \(error)", code: "malformed_json")
        }
        guard case .object(let root) = parsed else {
            throw APIError.badRequest("the request body must be a JSON object", code: "malformed_json")
        }
        let items: [PayloadValue]
        if root.keys.count == 1, case .list(let list)? = root["events"] {
            items = list
        } else {
            items = [parsed]
        }
        guard !items.isEmpty, items.count <= Self.maximumBatch else {
            throw APIError.badRequest("events must hold 1 to \(Self.maximumBatch) events", code: "invalid_batch")
        }
        var results: [ItemResult?] = Array(repeating: nil, count: items.count)
        var reports: [(Int, MTAReport)] = []
        for (index, item) in items.enumerated() {
            do {
                reports.append((index, try Self.report(from: item, now: Date())))
            } catch let error as APIError {
                results[index] = ItemResult(
                    index: index, status: 400, event: nil, error: .init(code: error.code, message: error.message))
            }
        }
        let invalid = results.compactMap { $0 }
        if !invalid.isEmpty {
            throw APIError(
                .badRequest, code: "invalid_events",
                message: "\(invalid.count) of \(items.count) events are not as the API describes them; "
                    + "none was recorded (the first: \(invalid[0].error?.message ?? ""))",
                details: [
                    "results": .list(
                        invalid.map { result in
                            [
                                "index": .integer(Int64(result.index)),
                                "code": .string(result.error?.code ?? ""),
                                "message": .string(result.error?.message ?? ""),
                            ]
                        })
                ])
        }
        let known = try await messages.messages(reports.map(\.1.message)).filter { $0.value.accountID == account.id }
        var drafts: [(Int, EventDraft)] = []
        for (index, report) in reports {
            if known[report.message] == nil {
                results[index] = ItemResult(
                    index: index, status: 422, event: nil,
                    error: .init(code: "unknown_message", message: "no message \(report.message) in this account"))
            } else {
                drafts.append((index, .report(report)))
            }
        }
        let events = try await recorder.record(drafts.map(\.1))
        for ((index, _), event) in zip(drafts, events) {
            results[index] = ItemResult(index: index, status: 202, event: event?.id, error: nil)
        }
        let all = results.compactMap { $0 }
        let accepted = all.filter { $0.status == 202 }.count
        return EditedResponse(
            status: .accepted, response: ReportView(accepted: accepted, rejected: all.count - accepted, results: all))
    }

    /// Reads one item, answering with an ``APIError`` that says what is wrong.
    static func report(from item: PayloadValue, now: Date) throws -> MTAReport {
        guard case .object(let fields) = item else {
            throw APIError.badRequest("an event must be a JSON object", code: "invalid_event")
        }
        if let unknown = fields.keys.first(where: { !Self.fields.contains($0) }) {
            throw APIError.badRequest(
                "unknown field '\(unknown)'; accepted fields: \(Self.fields.sorted().joined(separator: ", "))",
                code: "unknown_field")
        }
        guard case .string(let typeName)? = fields["type"], let kind = MTAReport.Kind(rawValue: typeName) else {
            throw APIError.badRequest("type must be \"delivery\" or \"failure\"", code: "invalid_event")
        }
        guard case .string(let messageText)? = fields["message"], let message = MessageID(messageText) else {
            throw APIError.badRequest("message must be a message id (msg_...)", code: "invalid_event")
        }
        guard let code = fields["code"]?.asInteger, (200...599).contains(code) else {
            throw APIError.badRequest("code must be an SMTP reply code from 200 to 599", code: "invalid_event")
        }
        let extended = try text(fields["extended"], name: "extended", maximum: 16)
        if !extended.isEmpty {
            let parts = extended.split(separator: ".", omittingEmptySubsequences: false)
            // RFC 3463: class, subject and detail, 1 to 3 digits each.
            guard parts.count == 3, ["2", "4", "5"].contains(parts[0]),
                parts.dropFirst().allSatisfy({
                    (1...3).contains($0.utf8.count) && $0.utf8.allSatisfy { (0x30...0x39).contains($0) }
                })
            else {
                throw APIError.badRequest(
                    "extended must be an enhanced status code such as 5.1.1", code: "invalid_event")
            }
        }
        let at: Date
        switch fields["time"] {
        case nil: at = now
        case let value? where value.asInteger != nil:
            let seconds = Double(value.asInteger!)
            guard RFC3339.representable.contains(seconds) else {
                throw APIError.badRequest("time must be Unix seconds from 1970 to year 9999", code: "invalid_event")
            }
            at = Date(timeIntervalSince1970: seconds)
        case .string(let text)?:
            guard let date = RFC3339.parse(text) else {
                throw APIError.badRequest("time must be an RFC 3339 time or Unix seconds", code: "invalid_event")
            }
            at = RFC3339.clamped(date)
        default:
            throw APIError.badRequest("time must be an RFC 3339 time or Unix seconds", code: "invalid_event")
        }
        return MTAReport(
            kind: kind, message: message,
            state: try text(fields["state"], name: "state", maximum: 32, default: kind == .failure ? "rcpt" : ""),
            action: try text(fields["action"], name: "action", maximum: 32),
            code: Int(code), extended: extended,
            description: try text(fields["description"], name: "description", maximum: 4096), at: at)
    }

    private static func text(_ value: PayloadValue?, name: String, maximum: Int, default fallback: String = "") throws
        -> String
    {
        switch value {
        case nil:
            return fallback
        case .string(let text)? where text.unicodeScalars.count <= maximum:
            return text
        default:
            throw APIError.badRequest(
                "\(name) must be a string of at most \(maximum) characters", code: "invalid_event")
        }
    }
}
