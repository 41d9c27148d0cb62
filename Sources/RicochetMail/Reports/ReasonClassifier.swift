/// Decides a failure's ``BounceReason`` from what the receiving side wrote,
/// and where the words say nothing, from the enhanced status code.
///
/// Phrases are tried in a fixed order, most specific first: a mailbox that is
/// full but also "unknown" in a sloppy message is full.
enum ReasonClassifier {
    /// - Parameter context: more of the bounce's text about this recipient
    ///   (its transcript), read only for the SMTP command.
    static func classify(diagnostic: String, context: String = "", status: String?, code: Int?, action: String)
        -> BounceReason
    {
        if action == "delivered" || action == "relayed" || action == "expanded" || status?.hasPrefix("2.") == true {
            return .delivered
        }
        let text = LowercasedText(ReplyText.joined(diagnostic))
        let command = SMTPCommand.named(in: text) ?? SMTPCommand.named(in: LowercasedText(context))
        var reason = phrases.first { text.containsAny($0.1) }?.0
        if reason == nil, let status { reason = byStatus(status) }
        switch (reason, command) {
        // "Unknown user" in answer to DATA: the recipient was accepted and
        // the message refused after all — a filter, whatever it calls itself.
        case (.userunknown, .data) where status.flatMap(byStatus) != .userunknown: return .filtered
        // The size limit of the recipient (x.2.3) rather than of the system (x.3.4).
        case (.mesgtoobig, _) where status?.hasSuffix(".2.3") == true: return .exceedlimit
        case (.userunknown?, .mail), (.hostunknown?, .mail), (nil, .mail), (.undefined?, .mail): return .rejected
        case (nil, .helo): return .blocked
        default: break
        }
        if let reason { return reason }
        if action == "delayed" { return .expired }
        return .undefined
    }

    /// The reason the enhanced status code names on its own.
    static func byStatus(_ status: String) -> BounceReason? {
        let parts = status.split(separator: ".")
        guard parts.count == 3 else { return nil }
        let detail = "\(parts[1]).\(parts[2])"
        switch detail {
        case "1.1", "1.0", "1.3", "1.4", "1.10": return .userunknown
        case "1.2": return .hostunknown
        case "1.6": return .hasmoved
        case "1.7", "1.8": return .rejected
        case "2.1": return .suspend
        case "2.2": return .mailboxfull
        case "2.3": return .exceedlimit
        case "2.4": return .mailererror
        case "3.1": return .systemfull
        case "3.2": return .notaccept
        case "3.4": return .mesgtoobig
        case "3.0", "3.5": return .systemerror
        case "4.1": return .notaccept
        case "4.4": return .hostunknown
        case "4.5": return .toomanyconn
        case "4.7": return .expired
        case "4.0", "4.2", "4.3", "4.6": return .networkerror
        case "5.3": return .exceedlimit
        case "5.0", "5.1", "5.2", "5.4", "5.5": return .syntaxerror
        case "6.0", "6.1", "6.2", "6.3", "6.4", "6.5": return .contenterror
        case "7.1": return parts[0] == "4" ? .blocked : .rejected
        case "7.0", "7.2", "7.3", "7.4", "7.5", "7.6", "7.7", "7.8", "7.9", "7.10", "7.11", "7.12", "7.13",
            "7.14", "7.15", "7.16", "7.17":
            return .securityerror
        case "7.20", "7.21", "7.22", "7.23", "7.24", "7.25", "7.26", "7.27", "7.28", "7.29":
            return .policyviolation
        default:
            // Subject 1 (addressing), detail beyond the RFC's: Exchange's 5.1.351 and the like.
            return parts[1] == "1" && parts[2].count == 3 ? .userunknown : nil
        }
    }

    /// Phrases per reason, lowercase, in the order they are tried.
    static let phrases: [(BounceReason, [String])] = [
        // Specific wordings first: they decide before any general word does.
        (
            .mailererror,
            ["procmail", "mailer error", "unknown mailer error", "pipe to", "exit code", "command died"]
        ),
        (
            .systemerror,
            [
                "service currently unavailable", "transaction failed", "could not load", "unable to contact ldap",
                "local configuration error", "system config error",
            ]
        ),
        // A null MX (RFC 7505) is looked up fine and says "no mail here".
        (
            .notaccept,
            [
                "no mx record found", "indicated no smtp service", "null mx", "does not accept mail",
                "doesn't receive email", "does not receive email",
            ]
        ),
        (
            .networkerror,
            [
                "dns type 'mx' lookup", "host name lookup failure", "wasn't able to establish an smtp connection",
                "dns query failed",
            ]
        ),
        (
            .toomanyconn,
            [
                "too many recipients", "frequency limited", "receiving mail at a rate", "too many connections",
                "too many concurrent", "connection rate limit", "too many sessions",
            ]
        ),
        (
            .policyviolation,
            ["multiple addresses in from", "content presents a potential", "header error"]
        ),
        // amavisd-new: "Message content rejected, UBE" (unsolicited bulk email).
        (.spamdetected, ["content rejected, ube", "spam classification", "blacklisted url"]),
        (.virusdetected, ["virus detected", "virus found"]),
        (.securityerror, ["sender is unauthenticated"]),
        (.syntaxerror, ["parameter not implemented", "parameter not recognized"]),
        (.contenterror, ["message content rejected", "content rejected"]),
        // The sending host itself refused: its IP, its name, its SPF
        // authorisation or its reputation — whatever else the text mentions.
        (
            .blocked,
            [
                "mismatches client ip", "invalid ip for sending", "unexpected volume or user complaints",
                "my name was rejected", "has an spf record", "bad spf", "reputation of the sending", "low reputation",
                "banned sending ip", "client host blocked", "ptr record", "not accepting connections",
            ]
        ),
        (.hasmoved, ["not our customer"]),
        (.suspend, ["disabled recipient", "temporary locked", "temporarily locked", "account is blocked"]),
        (.hostunknown, ["domain does not exist", "couldn't find a mail exchanger", "unrouteable", "unroutable"]),
        (.rejected, ["sender was rejected"]),
        (.userunknown, ["couldn't be found"]),
        (.mailboxfull, ["exceeds allowed size"]),
        (
            .rejected,
            [
                "sender address rejected", "domain of sender", "sender domain", "sender rejected",
                "sender is rejected", "sender denied", "invalid sender", "bad sender", "sender not allowed",
                "sender verification", "from: domain is invalid", "permission to post", "envelope sender",
                "groups.google.com/support",
            ]
        ),
        (
            .mailboxfull,
            [
                "mailbox full", "mailbox is full", "mailbox is over quota", "over quota", "quota exceeded",
                "exceeded storage allocation", "exceeds the storage", "mailbox has exceeded", "mailbox size limit",
                "not enough disk space", "disk quota", "user has exceeded",
                "mail box full", "mailfolder is full", "mail quota", "quota violation", "account is full",
                "is over its quota", "over its quota", "out of storage", "storage quota", "mailbox would exceed",
                "inbox is full", "maildir over quota", "exceeds size limit of the mailbox", "quota full",
                "too much mail data", "user is over quota", "exceeded its quota", "exceed the quota",
                "mailbox_full", "quota_exceeded", "the user's mailbox is full",
            ]
        ),
        (
            .mesgtoobig,
            [
                "message too large", "message is too large", "message size exceeds", "message exceeds maximum",
                "size limit", "message too big", "exceeds maximum message size", "message length exceeds",
                "mail size exceeds", "message is larger than", "exceeds the maximum size",
                "maximum message size exceeded", "size exceeds the maximum", "exceeded maximum message size",
                "too big for system",
            ]
        ),
        (
            .exceedlimit,
            ["message exceeds local size limit", "recipient limit", "exceeds limit"]
        ),
        (
            .hasmoved,
            ["has been moved", "address has changed", "has moved", "changed email address", "no longer uses this"]
        ),
        (
            .suspend,
            [
                "account disabled", "account has been disabled", "mailbox disabled", "mailbox is disabled",
                "account is disabled", "account suspended", "account has been suspended", "mailbox suspended",
                "mailbox has been suspended", "inactive account", "account is inactive", "mailbox inactive",
                "account is not active", "mailbox is inactive", "user suspended", "account expired",
                "address is no longer active", "mailbox is frozen", "account has been frozen", "disabled mailbox",
                "account is locked", "mailbox not active", "recipient suspended", "has been disabled",
                "temporarily deactivated", "mailbox is not active", "account deactivated", "suspended user",
            ]
        ),
        (
            .userunknown,
            [
                "user unknown", "unknown user", "no such user", "user not found", "no such mailbox",
                "mailbox not found", "mailbox unavailable", "mailbox does not exist", "unknown recipient",
                "recipient unknown", "no mailbox here", "does not exist", "address unknown", "unknown address",
                "invalid recipient", "recipient not found", "recipient address rejected: user unknown",
                "user doesn't exist", "user does not exist", "no such recipient", "not a valid mailbox",
                "unknown local part", "unknown mailbox",
                "no such account", "account does not exist", "invalid mailbox", "mailbox unknown",
                "user doesn't have a", "address rejected", "no such address",
                "recipient rejected", "bad recipient", "invalid address", "addressee unknown",
                "no valid recipients", "unknown or illegal alias", "is not a known user", "no account by that name",
                "this user doesn't have", "the email account that you tried to reach does not exist",
                "user invalid", "not listed in", "recipient does not exist", "unknown e-mail address",
                "mailbox not available", "address does not exist", "is unavailable", "unknown or invalid",
                "user_unknown", "no such local user", "not a known user", "could not be found",
                "recipient address unknown", "user missing home directory", "doesn't have an account",
                "no such person", "invalid user", "address not present", "unknown account", "badrcptto",
                "was not found", "mailbox is unavailable", "user reject", "does not have an account",
                "not exist", "invalid final delivery", "check if address is correct", "no longer valid",
                "illegal user",
            ]
        ),
        (
            .networkerror,
            [
                "host not found, try again", "malformed or unexpected name server", "temporary failure in name",
                "no mx found", "dns lookup failure",
            ]
        ),
        (
            .hostunknown,
            [
                "host unknown", "unknown host", "host not found", "domain not found", "no such domain",
                "domain is not reachable", "could not find a gateway",
                "name or service not known", "unrouteable mail domain",
                "unknown domain", "domain is not", "hostname lookup failed", "mx record", "no mx",
                "host or domain name not found", "illegal host/domain", "host does not exist",
                "domain name not found", "nxdomain", "unknown mail domain", "invalid domain",
            ]
        ),
        (
            .norelaying,
            [
                "relay access denied", "relaying denied", "relay not permitted", "not permitted to relay",
                "relaying not allowed", "we do not relay", "unable to relay", "relay denied", "no relaying",
                "relay not allowed", "relaying mail to", "not allowed to relay", "is not a gateway",
                "must be authenticated", "relay prohibited", "not configured to relay",
            ]
        ),
        (
            .expired,
            [
                "delivery time expired", "retry time", "message expired",
                "could not be delivered within", "giving up", "retry timeout exceeded", "has been delayed",
                "delivery expired", "timed out while", "message timed out", "exceeded the maximum time",
                "was not delivered within", "maximum time", "delivery attempts will continue",
                "unable to deliver in", "expired", "retry period", "connection timed out", "timed out",
                "will be retried", "enqueued and undeliverable", "undeliverable for",
                "did not accept our requests to connect", "failing for a long time", "host not reachable",

            ]
        ),
        (
            .networkerror,
            [
                "connection refused", "network is unreachable", "no route",
                "could not connect", "connection reset", "lost connection", "routing loop", "mail loop",
                "loops back to myself", "too many hops", "hop count exceeded", "unable to connect",
                "connection closed", "couldn't connect", "could not be reached", "temporary failure",
            ]
        ),
        (
            .blocked,
            [
                "spamhaus", "spamcop", "blacklist", "black list", "blocklist", "block list", "denylist", "dnsbl",
                "barracudacentral", "sorbs", "rbl",
            ]
        ),
        (
            .virusdetected,
            ["virus", "infected", "malware", "trojan", "worm detected"]
        ),
        (
            .spamdetected,
            [
                "spam", "junk mail", "bulk mail", "unsolicited",
                "looks like spam", "scored as", "classified as", "appears to be unsolicited",
            ]
        ),
        (
            .policyviolation,
            [
                "policy", "dmarc", "prohibited", "not permitted by", "not allowed by", "violat",
                "message rejected due to local", "administrative prohibition",
            ]
        ),
        (
            .blocked,
            [
                "blocked",
                "listed in", "reputation", "poor reputation", "rejected due to ip",
                "client host rejected", "access denied", "reverse dns", "rdns", "ptr record", "not allowed to send",
                "connection rejected", "refused to talk", "your ip", "ip address", "banned", "sender ip",
                "too many errors", "service unavailable", "dynamic ip",
            ]
        ),
        (
            .securityerror,
            [
                "authentication", "spf", "dkim", "unauthenticated", "not authorized", "tls required",
                "encryption required", "must use tls", "security", "sender verify",
                "forged", "spoof", "authorization",
            ]
        ),
        (
            .rejected,
            [
                "rejected", "refused", "denied",
                "not accepted", "sender address", "mail from",
            ]
        ),
        (
            .filtered,
            [
                "filtered", "filter", "content filter", "mail for this user is not accepted",
                "recipient's mailbox", "undeliverable",
            ]
        ),
        (
            .systemfull,
            [
                "system full", "insufficient system storage", "mail system full", "no space left", "disk full",
                "insufficient disk space",
            ]
        ),
        (
            .notaccept,
            [
                "not accepting mail", "accepts no mail", "no mail accepted",
                "does not receive mail",
            ]
        ),
        (
            .mailererror,
            ["command failed"]
        ),
        (
            .systemerror,
            [
                "system error", "internal error", "server error", "local error", "configuration error",
                "temporary local problem", "unable to process", "out of memory",
                "try again later", "not available",
            ]
        ),
        (.expired, ["queue too long", "too long in queue", "in the queue too long"]),
        (.contenterror, ["content", "invalid message", "malformed", "mime", "8-bit", "8bit", "header"]),
        (.syntaxerror, ["syntax error", "command unrecognized", "unrecognized command", "bad command"]),
    ]
}
