/// Facts about this build of Ricochet.
public enum Ricochet {
    public static let version = "0.2.0"
    /// The `User-Agent` of every outbound request.
    public static let userAgent = "Ricochet/\(version)"
}
