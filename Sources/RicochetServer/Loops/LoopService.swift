import Crypto
import Foundation
import RicochetCore
import RicochetDelivery
import RicochetStore

/// A loop, checked, as a user describes it.
struct LoopDraft: Sendable {
    var url: LoopURL
    var events: Set<EventType>
    var format: PayloadFormat = .form
    var description = ""
    var delivery = DeliverySettings()
    var signing = SigningScheme.newLoopDefault
}

/// What can be done with an account's feedback loops, whoever asks: the API
/// and the dashboard both go through here. Errors are ``APIError``s, whose
/// message says in words what is wrong.
struct LoopService<Loops: LoopStore>: Sendable {
    let loops: Loops
    let validator: LoopValidator
    let tester: TestCall
    /// Tells the dispatcher to read the loops again.
    let loopsChanged: @Sendable () -> Void
    /// The loop's current secrets and the installation key, for test calls.
    let signing: @Sendable (FeedbackLoop) async throws -> LoopSigning
    let userAgent: String

    func all(of account: Account) async throws -> [FeedbackLoop] {
        try await loops.loops(of: account.id)
    }

    /// The account's loop, or 404.
    func loop(_ id: String, of account: Account) async throws -> FeedbackLoop {
        guard let loop = try await loops.loop(id, of: account.id) else { throw APIError.notFound("loop \(id)") }
        return loop
    }

    /// Registers the loop; its signing secret is returned this once.
    func create(_ draft: LoopDraft, for account: Account) async throws -> (FeedbackLoop, WebhookSecret) {
        var loop = FeedbackLoop.register(
            accountID: account.id, url: draft.url, events: draft.events, format: draft.format,
            description: draft.description, delivery: draft.delivery, now: Date())
        try Self.checkBatching(loop)
        loop.setSigning(draft.signing)
        let secret = WebhookSecret.generate()
        try await loops.insert(loop, secret: secret)
        loopsChanged()
        return (loop, secret)
    }

    /// Applies `change` to the latest stored loop and stores it, trying again
    /// when someone else changed the loop first.
    func modify(_ id: String, of account: Account, _ change: (inout FeedbackLoop) throws -> Void) async throws
        -> FeedbackLoop
    {
        for _ in 0..<5 {
            var loop = try await loop(id, of: account)
            try change(&loop)
            try Self.checkBatching(loop)
            loop.updatedAt = Date()
            do {
                let stored = try await loops.update(loop)
                loopsChanged()
                return stored
            } catch StoreError.conflict {
                continue
            } catch StoreError.notFound {
                throw APIError.notFound("loop \(id)")
            }
        }
        throw APIError(.conflict, code: "conflict", message: StoreError.conflict.description)
    }

    func delete(_ id: String, of account: Account) async throws {
        guard try await loops.delete(id, of: account.id) else { throw APIError.notFound("loop \(id)") }
        loopsChanged()
    }

    /// A new signing secret, shown this once; the old ones keep signing
    /// until `graceHours` have passed. Returns when they stop.
    func rotateSecret(of id: String, account: Account, graceHours: Double) async throws -> (WebhookSecret, Date) {
        guard graceHours.isFinite, (0...720).contains(graceHours) else {
            throw APIError.badRequest("grace_hours must be between 0 and 720", code: "invalid_grace")
        }
        let secret = WebhookSecret.generate()
        do {
            let expiry = try await loops.rotateSecret(
                of: id, account: account.id, to: secret, grace: graceHours * 3600, now: Date())
            loopsChanged()
            return (secret, expiry)
        } catch StoreError.notFound {
            throw APIError.notFound("loop \(id)")
        }
    }

    /// Fetches the validation file at the loop's two locations; on success
    /// the loop is validated (and returned with the report).
    func validate(_ id: String, of account: Account) async throws -> (ValidationReport, FeedbackLoop) {
        let loop = try await loop(id, of: account)
        let report = await validator.validate(loop)
        guard report.succeeded else { return (report, loop) }
        let validated = try await modify(id, of: account) { current in
            // Only the proof for this URL and this file counts: if the loop
            // changed while the file was fetched, the proof is for something else.
            guard current.url == loop.url, current.validationFile == loop.validationFile else {
                throw APIError(
                    .conflict, code: "conflict",
                    message: "the loop's URL changed while it was being validated; validate again")
            }
            current.markValidated(at: Date())
        }
        return (report, validated)
    }

    /// Sends `body` to the validated loop right away, signed as deliveries are.
    func test(_ loop: FeedbackLoop, body: String, contentType: String) async throws -> OutboundResponse {
        guard loop.status == .validated else {
            throw APIError(
                .conflict, code: "loop_not_validated",
                message:
                    "loop \(loop.id) is not validated; nothing is sent to a URL before its owner is proven: validate it first"
            )
        }
        let signing = try await signing(loop)
        do throws(OutboundError) {
            return try await tester.send(
                Array(body.utf8), contentType: contentType, to: loop, signing: signing, userAgent: userAgent)
        } catch {
            throw error.apiError
        }
    }

    static var checkConcurrency: Int { 16 }

    /// "Check now": a harmless `type=test` call to every validated loop at
    /// once (16 at a time), each with what came back; the others are skipped.
    func checkAll(of account: Account) async throws -> (
        results: [(FeedbackLoop, Result<OutboundResponse, OutboundError>)], skipped: [FeedbackLoop]
    ) {
        let all = try await loops.loops(of: account.id)
        let validated = all.filter { $0.status == .validated }
        var signings: [LoopSigning] = []
        for loop in validated { signings.append(try await signing(loop)) }
        let tester = self.tester
        let userAgent = self.userAgent
        let outcomes = await withTaskGroup(of: (Int, Result<OutboundResponse, OutboundError>).self) { group in
            var next = 0
            var outcomes: [Result<OutboundResponse, OutboundError>?] = Array(repeating: nil, count: validated.count)
            func start() {
                guard next < validated.count else { return }
                let index = next
                let loop = validated[index]
                let signing = signings[index]
                next += 1
                group.addTask {
                    let payload = loop.format.encode(TestCall.checkPayload(now: Date()))
                    do throws(OutboundError) {
                        return (
                            index,
                            .success(
                                try await tester.send(
                                    Array(payload.utf8), contentType: LoopSigning.contentType(loop.format), to: loop,
                                    signing: signing, userAgent: userAgent))
                        )
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            for _ in 0..<Self.checkConcurrency { start() }
            for await (index, outcome) in group {
                outcomes[index] = outcome
                start()
            }
            return outcomes.compactMap { $0 }
        }
        return (Array(zip(validated, outcomes)), all.filter { $0.status != .validated })
    }

    /// A batch is a JSON array: batching goes with the JSON format only.
    static func checkBatching(_ loop: FeedbackLoop) throws {
        guard loop.delivery.batch == nil || loop.format == .json else {
            throw APIError.unprocessable(
                "delivery.batch sends a JSON array, so it needs \"format\": \"json\"", code: "invalid_delivery")
        }
    }
}
