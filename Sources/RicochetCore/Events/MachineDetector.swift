/// Tells opens and clicks made by machines from those made by people.
/// Machine hits are kept and flagged, never dropped: the reason says why.
public enum MachineDetector {
    /// What is known of one hit on a tracked URL.
    public struct Hit: Sendable {
        public var isHead: Bool
        public var userAgent: String
        public var ip: String
        /// Seconds from the message's registration to the hit.
        public var secondsSinceSent: Double

        public init(isHead: Bool, userAgent: String, ip: String, secondsSinceSent: Double) {
            self.isHead = isHead
            self.userAgent = userAgent
            self.ip = ip
            self.secondsSinceSent = secondsSinceSent
        }
    }

    /// Hits sooner than this after sending are scanners at the receiving
    /// server, not a person who has read the mail.
    public static let minimumHumanDelay = 5.0

    static let signatures: [([UInt8], String)] = [
        (Array("googleimageproxy".utf8), "gmail_image_proxy"),
        (Array("yahoomailproxy".utf8), "yahoo_image_proxy"),
        (Array("barracuda".utf8), "security_scanner"),
        (Array("proofpoint".utf8), "security_scanner"),
        (Array("mimecast".utf8), "security_scanner"),
        (Array("symantec".utf8), "security_scanner"),
        (Array("trendmicro".utf8), "security_scanner"),
        (Array("forcepoint".utf8), "security_scanner"),
        (Array("safelinks".utf8), "security_scanner"),
        (Array("bingpreview".utf8), "link_preview"),
        (Array("slackbot".utf8), "link_preview"),
        (Array("facebookexternalhit".utf8), "link_preview"),
        (Array("twitterbot".utf8), "link_preview"),
        (Array("bot".utf8), "bot"),
        (Array("crawler".utf8), "bot"),
        (Array("spider".utf8), "bot"),
        (Array("python-requests".utf8), "http_library"),
        (Array("go-http-client".utf8), "http_library"),
        (Array("okhttp".utf8), "http_library"),
        (Array("java/".utf8), "http_library"),
        (Array("libwww-perl".utf8), "http_library"),
        (Array("wget".utf8), "http_library"),
    ]

    /// Nil for a person; otherwise why the hit is a machine's.
    public static func reason(for hit: Hit) -> String? {
        if hit.isHead { return "head_request" }
        let agent = hit.userAgent.lowercased()
        if agent.isEmpty { return "no_user_agent" }
        let bytes = Array(agent.utf8)
        if let match = signatures.first(where: { contains(bytes, $0.0) }) { return match.1 }
        // Apple Mail Privacy Protection fetches every image through Apple's
        // relays (17.0.0.0/8) with a bare "Mozilla/5.0".
        if hit.ip.hasPrefix("17."), hit.ip.split(separator: ".").count == 4 { return "apple_mail_privacy_protection" }
        if agent == "mozilla/5.0" { return "apple_mail_privacy_protection" }
        if hit.secondsSinceSent < minimumHumanDelay { return "too_soon_after_sending" }
        return nil
    }

    /// Whether `needle` occurs in `haystack`: a plain byte search, since
    /// user agents are short and this runs on every hit.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
        let first = needle[0]
        for start in 0...(haystack.count - needle.count) where haystack[start] == first {
            var offset = 1
            while offset < needle.count, haystack[start + offset] == needle[offset] { offset += 1 }
            if offset == needle.count { return true }
        }
        return false
    }
}
