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

    static let signatures: [(String, String)] = [
        ("googleimageproxy", "gmail_image_proxy"),
        ("yahoomailproxy", "yahoo_image_proxy"),
        ("barracuda", "security_scanner"),
        ("proofpoint", "security_scanner"),
        ("mimecast", "security_scanner"),
        ("symantec", "security_scanner"),
        ("trendmicro", "security_scanner"),
        ("forcepoint", "security_scanner"),
        ("safelinks", "security_scanner"),
        ("bingpreview", "link_preview"),
        ("slackbot", "link_preview"),
        ("facebookexternalhit", "link_preview"),
        ("twitterbot", "link_preview"),
        ("bot", "bot"),
        ("crawler", "bot"),
        ("spider", "bot"),
        ("python-requests", "http_library"),
        ("go-http-client", "http_library"),
        ("okhttp", "http_library"),
        ("java/", "http_library"),
        ("libwww-perl", "http_library"),
        ("wget", "http_library"),
    ]

    /// Nil for a person; otherwise why the hit is a machine's.
    public static func reason(for hit: Hit) -> String? {
        if hit.isHead { return "head_request" }
        let agent = hit.userAgent.lowercased()
        if agent.isEmpty { return "no_user_agent" }
        if let match = signatures.first(where: { agent.contains($0.0) }) { return match.1 }
        // Apple Mail Privacy Protection fetches every image through Apple's
        // relays (17.0.0.0/8) with a bare "Mozilla/5.0".
        if hit.ip.hasPrefix("17."), hit.ip.split(separator: ".").count == 4 { return "apple_mail_privacy_protection" }
        if agent == "mozilla/5.0" { return "apple_mail_privacy_protection" }
        if hit.secondsSinceSent < minimumHumanDelay { return "too_soon_after_sending" }
        return nil
    }
}
