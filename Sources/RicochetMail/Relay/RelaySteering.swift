/// What an application asks of the relay in header fields of its own, which
/// are read and then removed from every copy.
public struct RelaySteering: Sendable, Equatable {
    /// Which tracking a copy gets.
    public enum Tracking: String, Sendable {
        /// Tracked links and the open pixel (the default).
        case all
        /// Neither: the copy is still registered and gets its own return path.
        case off
        case opens
        case clicks

        public var opens: Bool { self == .all || self == .opens }
        public var clicks: Bool { self == .all || self == .clicks }
    }

    public var tags: [String] = []
    public var profile: String?
    public var subprofile: String?
    public var tracking = Tracking.all
    /// Whether the relay adds its `List-Unsubscribe` fields (unless the
    /// message has its own): `X-Ricochet-Unsubscribe: off` leaves them out.
    public var unsubscribe = true

    /// The fields read here, lowercased; none of them leaves the relay.
    public static let fieldNames: Set<String> = [
        "x-ricochet-tags", "x-ricochet-profile", "x-ricochet-subprofile", "x-ricochet-track",
        "x-ricochet-unsubscribe",
    ]

    public init(tags: [String] = [], profile: String? = nil, subprofile: String? = nil, tracking: Tracking = .all) {
        self.tags = tags
        self.profile = profile
        self.subprofile = subprofile
        self.tracking = tracking
    }

    /// Reads the message's steering fields: `X-Ricochet-Tags: a, b` (every
    /// such field adds to the tags), `X-Ricochet-Profile: ID`,
    /// `X-Ricochet-Subprofile: ID`, `X-Ricochet-Track: off|opens|clicks|all`,
    /// `X-Ricochet-Unsubscribe: on|off`.
    public init(_ message: SubmittedMessage) throws(MIMERefusal) {
        for field in message.root.fields {
            switch field.name.lowercased() {
            case "x-ricochet-tags":
                tags += field.value.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
            case "x-ricochet-profile":
                profile = try Self.single(field, seen: profile)
            case "x-ricochet-subprofile":
                subprofile = try Self.single(field, seen: subprofile)
            case "x-ricochet-track":
                guard let value = Tracking(rawValue: field.value.lowercased()) else {
                    throw MIMERefusal("X-Ricochet-Track must be off, opens, clicks or all, not \"\(field.value)\"")
                }
                tracking = value
            case "x-ricochet-unsubscribe":
                switch field.value.lowercased() {
                case "on": unsubscribe = true
                case "off": unsubscribe = false
                default: throw MIMERefusal("X-Ricochet-Unsubscribe must be on or off, not \"\(field.value)\"")
                }
            default:
                continue
            }
        }
    }

    private static func single(_ field: SubmittedPart.Field, seen: String?) throws(MIMERefusal) -> String {
        guard seen == nil else { throw MIMERefusal("\(field.name) is given more than once") }
        guard !field.value.isEmpty else { throw MIMERefusal("\(field.name) is empty") }
        return field.value
    }
}
