import Foundation
import Hummingbird
import RicochetCore
import RicochetDelivery

extension LoopController {
    static var checkConcurrency: Int { 16 }

    /// Sends the caller's data to the loop right away and shows the answer.
    @Sendable func test(_ request: Request, context: APIRequestContext) async throws -> TestResultView {
        let (input, fields) = try await request.decodeJSONObject(as: TestLoopRequest.self, context: context)
        let loop = try await loop(for: context)
        let body: String
        let contentType: String
        // The data as written, keys in the user's order (the decoded struct has lost it).
        switch (fields["data"], input.body) {
        case (.some(let data), nil):
            guard case .object = data else {
                throw APIError.badRequest("data must be a JSON object of variables", code: "invalid_field")
            }
            guard input.contentType == nil else {
                throw APIError.badRequest(
                    "content_type goes with body; data is sent in the loop's format", code: "invalid_field")
            }
            body = loop.format.encode(data)
            contentType = LoopSigning.contentType(loop.format)
        case (nil, .some(let raw)):
            body = raw
            contentType = try input.contentType.map(LoopInput.contentType) ?? LoopSigning.contentType(loop.format)
        case (nil, nil):
            throw APIError.badRequest("send either data (an object) or body (a string)", code: "invalid_field")
        case (.some, .some):
            throw APIError.badRequest("send either data or body, not both", code: "invalid_field")
        }
        return TestResultView(try await service.test(loop, body: body, contentType: contentType))
    }

    /// "Check now": a harmless `type=test` call to every validated loop at once.
    @Sendable func checkAll(_ request: Request, context: APIRequestContext) async throws -> CheckView {
        let check = try await service.checkAll(of: context.requireAccount())
        return CheckView(
            results: check.results.map { loop, outcome in
                switch outcome {
                case .success(let response):
                    CheckResultView(
                        loop: loop.id, url: loop.url.absoluteString, status: response.status,
                        durationMs: response.durationMilliseconds, error: nil)
                case .failure(let error):
                    CheckResultView(
                        loop: loop.id, url: loop.url.absoluteString, status: nil,
                        durationMs: error.durationMilliseconds,
                        error: .init(kind: error.kind.rawValue, message: error.message))
                }
            },
            skipped: check.skipped.map(\.id))
    }
}
