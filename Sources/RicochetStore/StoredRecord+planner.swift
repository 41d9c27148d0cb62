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
