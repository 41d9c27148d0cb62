import RicochetCore

/// Proves a loop's owner controls its URL: fetches the validation file from
/// the candidate locations in order and compares its content.
public struct LoopValidator: Sendable {
    let client: OutboundClient
    let timeout: Duration

    static let maximumFileBytes = 64 * 1024
    static let excerptBytes = 256

    public init(client: OutboundClient, timeout: Duration = .seconds(10)) {
        self.client = client
        self.timeout = timeout
    }

    /// Stops at the first location that serves the right content.
    public func validate(_ loop: FeedbackLoop) async -> ValidationReport {
        var attempts: [ValidationAttempt] = []
        for url in loop.validationURLs {
            let attempt = await fetch(url, expecting: loop.validationFile)
            attempts.append(attempt)
            if attempt.matched { break }
        }
        return ValidationReport(attempts: attempts)
    }

    private func fetch(_ url: String, expecting file: ValidationFile) async -> ValidationAttempt {
        let request = OutboundRequest(
            method: .get,
            url: url,
            headers: [(name: "Accept", value: "text/plain, */*")],
            timeout: timeout,
            maximumBodyBytes: Self.maximumFileBytes
        )
        let response: OutboundResponse
        do {
            response = try await client.send(request)
        } catch {
            return ValidationAttempt(
                url: url, status: nil, excerpt: nil, error: error, matched: false, explanation: error.message)
        }
        let excerpt = String(decoding: response.body.prefix(Self.excerptBytes), as: UTF8.self)
        let matched = response.status == 200 && !response.truncated && file.matches(response.bodyText)
        let explanation: String
        switch response.status {
        case 200 where matched:
            explanation = "found the validation file with the expected content"
        case 200:
            explanation = "the file was found but its content differs from the expected \(file.content)"
        case 300..<400:
            let location = response.header("Location").map { " to \($0)" } ?? ""
            explanation =
                "the server answered \(response.status), a redirect\(location); redirects are not followed, the file must be served at this exact URL"
        default:
            explanation = "the server answered \(response.status) instead of 200"
        }
        return ValidationAttempt(
            url: url, status: response.status, excerpt: excerpt, error: nil, matched: matched, explanation: explanation)
    }
}
