/// The fields of an RFC 3464 `message/delivery-status` body: the
/// per-message block, then one block per recipient. Blank lines between
/// blocks are often missing in real mail, so a new recipient starts at each
/// `Final-Recipient` (or an `Original-Recipient` after one).
struct DeliveryStatusFields {
    struct Recipient {
        var finalRecipient: String?
        var originalRecipient: String?
        var action: String?
        var status: String?
        var diagnostic: String?
        var remoteMTA: String?
        var lastAttempt: String?

        /// The final recipient when it is a mail address, else the original
        /// one when that is (`@route:user@host` and bare hosts happen).
        var address: String? {
            let valid = [finalRecipient, originalRecipient].compactMap { $0 }.first { MailAddress.first(in: $0) == $0 }
            return valid ?? finalRecipient ?? originalRecipient
        }
    }

    var reportingMTA: String?
    var recipients: [Recipient] = []

    init(_ text: String) {
        var current: Recipient?
        let header = MessageHeader.parse(Array(text.utf8)[...])
        for field in header.fields {
            let value = field.value.trimmingSpaces()
            switch field.name.lowercased() {
            case "reporting-mta": reportingMTA = Self.typed(value)
            case "final-recipient":
                if let open = current, open.finalRecipient != nil || open.action != nil {
                    recipients.append(open)
                    current = nil
                }
                if current == nil { current = Recipient() }
                current?.finalRecipient = Self.address(value)
            case "original-recipient":
                if let open = current,
                    open.originalRecipient != nil || (open.finalRecipient != nil && open.action != nil)
                {
                    recipients.append(open)
                    current = nil
                }
                if current == nil { current = Recipient() }
                current?.originalRecipient = Self.address(value)
            case "action": current?.action = value.lowercased().split(separator: " ").first.map(String.init)
            case "status":
                if let status = StatusCodes.status(in: value) { current?.status = status }
            case "diagnostic-code": current?.diagnostic = Self.typed(value)
            case "remote-mta": current?.remoteMTA = Self.typed(value)
            case "last-attempt-date": current?.lastAttempt = value
            default: break
            }
        }
        if let current { recipients.append(current) }
    }

    /// `type; value` → value (the whole when there is no type).
    static func typed(_ value: String) -> String {
        guard let semicolon = value.firstIndex(of: ";") else { return value }
        return value[value.index(after: semicolon)...].trimmingSpaces()
    }

    /// `rfc822; <user@example.com>` → user@example.com
    static func address(_ value: String) -> String? {
        let raw = typed(value)
        return MailAddress.first(in: raw) ?? (raw.isEmpty ? nil : raw)
    }
}
