import Foundation
import RicochetCore

extension StoredRecord {
    /// The fan-out planner from rows of deliverable loops' subscriptions, one
    /// row a subscription: `id`, `account_id`, `format`, `event_type`.
    public static func planner(from rows: [some StoreRow]) throws -> DeliveryPlanner {
        var loops: [FeedbackLoop.ID: (account: String, format: PayloadFormat, events: Set<EventType>)] = [:]
        for row in rows {
            let id = try row.text("id")
            let account = try row.text("account_id")
            guard let format = PayloadFormat(rawValue: try row.text("format")),
                let type = EventType(rawValue: try row.text("event_type"))
            else { throw StoreError.corrupt("loop \(id): format or subscription") }
            loops[id, default: (account, format, [])].events.insert(type)
        }
        return DeliveryPlanner(
            loops: loops.map { id, loop in
                LoopSubscription(
                    loopID: id, accountID: loop.account, events: loop.events, format: loop.format,
                    status: .validated, disabled: false)
            })
    }
}

extension StoredRecord {
    /// Header fields as a column: a JSON list of [name, value] pairs.
    public static func headersColumn(_ fields: [DeliveryAttempt.HeaderField]) -> String {
        JSONPayloadEncoder.encode(.list(fields.map { .list([.string($0.name), .string($0.value)]) }))
    }
}

extension StoredRecord {
    /// A returned mail from its row (`seq`, `id`, `received_at`, `peer`,
    /// `helo`, `mail_from`, `rcpt_to` as a JSON list, `data`), with its place in line.
    public static func inboundMail(from row: some StoreRow) throws -> (seq: Int64, mail: InboundMail) {
        guard case .list(let recipients) = try JSONPayloadDecoder.decode(try row.text("rcpt_to")) else {
            throw StoreError.corrupt("inbound mail: rcpt_to")
        }
        let mail = InboundMail(
            id: try row.text("id"), receivedAt: Date(milliseconds: try row.int64("received_at")),
            peer: row.optionalText("peer"), helo: try row.text("helo"), mailFrom: try row.text("mail_from"),
            rcptTo: recipients.compactMap { if case .string(let address) = $0 { address } else { nil } },
            data: row.optionalBlob("data") ?? [])
        return (try row.int64("seq"), mail)
    }
}
