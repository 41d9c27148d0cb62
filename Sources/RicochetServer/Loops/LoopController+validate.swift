import Foundation
import Hummingbird
import RicochetCore
import RicochetDelivery
import RicochetStore

extension LoopController {
    /// Fetches the validation file; 200 with the validated loop, or 422 with
    /// what was tried at each location and what came back.
    @Sendable func validate(_ request: Request, context: APIRequestContext) async throws -> LoopView {
        let account = try context.requireAccount()
        let (report, loop) = try await service.validate(try context.parameters.require("id"), of: account)
        guard report.succeeded else {
            throw APIError(
                .unprocessableContent,
                code: "validation_failed",
                message:
                    "the validation file \(loop.validationFile.filename) was not found with the expected content at \(loop.validationURLs.joined(separator: " or "))",
                details: ["attempts": .list(report.attempts.map(\.payload))]
            )
        }
        context.logger.info("loop validated", metadata: ["loop": "\(loop.id)"])
        return LoopView(loop)
    }
}

extension ValidationAttempt {
    var payload: PayloadValue {
        [
            "url": .string(url),
            "matched": .bool(matched),
            "status": status.map { .integer(Int64($0)) } ?? .null,
            "body": excerpt.map(PayloadValue.string) ?? .null,
            "error": error.map(\.payload) ?? .null,
            "explanation": .string(explanation),
        ]
    }
}

extension OutboundError {
    var payload: PayloadValue {
        ["kind": .string(kind.rawValue), "message": .string(message)]
    }
}
