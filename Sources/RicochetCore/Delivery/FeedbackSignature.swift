import Crypto
import Foundation
import _CryptoExtras

/// The classic feedback-loop signature: `Date`, `Digest` (RFC 3230,
/// SHA-256), `X-Nonce`, `X-Ricochet-Account` and a `Signature` header per
/// draft-cavage-http-signatures-12 with the installation's RSA key
/// (rsa-sha256, PKCS #1 v1.5).
public enum FeedbackSignature {
    /// The signed headers, in the order of the signing string.
    public static let signedHeaders = [
        "(request-target)", "host", "date", "content-type", "content-length", "x-ricochet-account", "digest", "x-nonce",
    ]

    /// What a request carries besides its body: everything the signature covers.
    public struct Request: Sendable, Equatable {
        public var method: String
        /// Path and query, as on the request line.
        public var target: String
        public var host: String
        public var date: String
        public var contentType: String
        public var contentLength: Int
        public var account: String
        public var digest: String
        public var nonce: String

        public init(
            method: String, target: String, host: String, date: String, contentType: String, contentLength: Int,
            account: String, digest: String, nonce: String
        ) {
            self.method = method
            self.target = target
            self.host = host
            self.date = date
            self.contentType = contentType
            self.contentLength = contentLength
            self.account = account
            self.digest = digest
            self.nonce = nonce
        }

        /// The signing string of the draft: one `name: value` line per signed header.
        public var signingString: String {
            [
                "(request-target): \(method.lowercased()) \(target)", "host: \(host)", "date: \(date)",
                "content-type: \(contentType)", "content-length: \(contentLength)",
                "x-ricochet-account: \(account)", "digest: \(digest)", "x-nonce: \(nonce)",
            ].joined(separator: "\n")
        }
    }

    /// `SHA-256=` and the base64 of the body's SHA-256.
    public static func digest(of body: [UInt8]) -> String {
        "SHA-256=" + Data(SHA256.hash(data: body)).base64EncodedString()
    }

    /// The headers to add to a POST of `body` to `url`, signed with `key`.
    public static func headers(
        url: LoopURL, body: [UInt8], contentType: String, account: String, key: InstallationKey, date: Date,
        nonce: String
    ) throws -> [(name: String, value: String)] {
        let request = Request(
            method: "POST", target: url.path + (url.query.map { "?" + $0 } ?? ""), host: hostHeader(url),
            date: HTTPDateFormat.string(date), contentType: contentType, contentLength: body.count,
            account: account, digest: digest(of: body), nonce: nonce)
        let signature = try key.privateKey.signature(
            for: Array(request.signingString.utf8), padding: .insecurePKCS1v1_5)
        let value =
            #"keyId="\#(key.id)",algorithm="rsa-sha256",headers="\#(signedHeaders.joined(separator: " "))",signature="\#(signature.rawRepresentation.base64EncodedString())""#
        return [
            ("Host", request.host), ("Date", request.date), ("Digest", request.digest), ("X-Nonce", nonce),
            ("X-Ricochet-Account", account), ("Signature", value),
        ]
    }

    /// What the HTTP client sends as `Host`: the port only when not the scheme's default.
    public static func hostHeader(_ url: LoopURL) -> String {
        guard let port = url.port, port != (url.scheme == "https" ? 443 : 80) else { return url.host }
        return url.host.contains(":") ? "[\(url.host)]:\(port)" : "\(url.host):\(port)"
    }

    /// Checks a received request as a receiver would (the test suite's and
    /// `ricochet listen`'s check; receivers use their own library).
    public static func verify(
        signatureHeader: String, request: Request, body: [UInt8], publicKey: _RSA.Signing.PublicKey
    ) -> Bool {
        guard digest(of: body) == request.digest, request.contentLength == body.count else { return false }
        var fields: [String: String] = [:]
        for part in signatureHeader.split(separator: ",") {
            guard let equals = part.firstIndex(of: "=") else { continue }
            fields[String(part[..<equals])] = String(part[part.index(after: equals)...]).trimmingCharacters(
                in: CharacterSet(charactersIn: "\""))
        }
        guard fields["algorithm"] == "rsa-sha256", fields["headers"] == signedHeaders.joined(separator: " "),
            let encoded = fields["signature"], let raw = Data(base64Encoded: encoded)
        else { return false }
        return publicKey.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: raw), for: Array(request.signingString.utf8),
            padding: .insecurePKCS1v1_5)
    }
}

/// IMF-fixdate (RFC 9110 §5.6.7), as the `Date` header wants it.
public enum HTTPDateFormat {
    static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public static func string(_ date: Date) -> String {
        string(seconds: EventTimestamp.time(date))
    }

    public static func string(seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let (year, month, day) = EventTimestamp.civil(fromDays: days)
        let weekday = weekdays[Int(((days % 7) + 7) % 7)]
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(weekday), \(two(day)) \(months[Int(month - 1)]) \(year) \(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60)) GMT"
    }
}
