import Hummingbird
import RicochetDelivery

/// What the receiver answered to a test call.
struct TestResultView: ResponseEncodable {
    let status: Int
    let headers: [String: String]
    let body: String
    let bodyTruncated: Bool
    let durationMs: Int

    enum CodingKeys: String, CodingKey {
        case status, headers, body
        case bodyTruncated = "body_truncated"
        case durationMs = "duration_ms"
    }

    init(_ response: OutboundResponse) {
        status = response.status
        var headers: [String: String] = [:]
        for header in response.headers {
            let name = header.name.lowercased()
            headers[name] = headers[name].map { $0 + ", " + header.value } ?? header.value
        }
        self.headers = headers
        body = response.bodyText
        bodyTruncated = response.truncated
        durationMs = response.durationMilliseconds
    }
}

/// One loop's outcome in "check now".
struct CheckResultView: Encodable {
    struct Failure: Encodable {
        let kind: String
        let message: String
    }

    let loop: String
    let url: String
    let status: Int?
    let durationMs: Int
    let error: Failure?

    enum CodingKeys: String, CodingKey {
        case loop, url, status, error
        case durationMs = "duration_ms"
    }
}

struct CheckView: ResponseEncodable {
    let results: [CheckResultView]
    /// Loops left out because they are not validated.
    let skipped: [String]
}

extension OutboundError {
    /// The API's answer when a test call got no answer from the receiver: 502
    /// (the receiver failed), or 422 when the address is one Ricochet refuses.
    var apiError: APIError {
        let (status, code): (HTTPResponse.Status, String) =
            switch kind {
            case .refusedAddress: (.unprocessableContent, "address_not_allowed")
            case .timeout: (.badGateway, "receiver_timeout")
            case .dns: (.badGateway, "receiver_dns")
            case .connect: (.badGateway, "receiver_connect")
            case .tls: (.badGateway, "receiver_tls")
            case .http: (.badGateway, "receiver_http")
            }
        return APIError(
            status, code: code, message: message,
            details: ["kind": .string(kind.rawValue), "duration_ms": .integer(Int64(durationMilliseconds))])
    }
}
