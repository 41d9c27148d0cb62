import Foundation

extension SubmittedMessage {
    /// The domain of the author's address (the first of `From`), lower-cased:
    /// the domain a copy is DKIM-signed for. Nil when `From` has no address.
    public var fromDomain: String? {
        guard let from = root.field("From") else { return nil }
        return Self.domain(ofAddressIn: from)
    }

    /// `Name <user@Example.com>`, `user@example.com (Name)` → `example.com`.
    static func domain(ofAddressIn field: String) -> String? {
        var text = Substring(field)
        if let open = text.lastIndex(of: "<") {
            let rest = text[text.index(after: open)...]
            text = rest[..<(rest.firstIndex(of: ">") ?? rest.endIndex)]
        } else {
            text = text.split(separator: ",", maxSplits: 1).first ?? text
            if let comment = text.firstIndex(of: "(") { text = text[..<comment] }
        }
        guard let at = text.lastIndex(of: "@") else { return nil }
        let domain = text[text.index(after: at)...].trimmingCharacters(in: .whitespaces).lowercased()
        guard !domain.isEmpty, domain.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) else {
            return nil
        }
        return domain
    }
}
