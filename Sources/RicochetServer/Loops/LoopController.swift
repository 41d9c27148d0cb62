import Crypto
import Foundation
import Hummingbird
import RicochetCore
import RicochetDelivery
import RicochetStore

/// The feedback loop API: register, list, change, delete, validate and test.
struct LoopController<Loops: LoopStore>: Sendable {
    let loops: Loops
    let validator: LoopValidator
    let tester: TestCall
    /// Tells the dispatcher to read the loops again.
    let loopsChanged: @Sendable () -> Void
    /// The loop's current secrets and the installation key, for test calls.
    let signing: @Sendable (FeedbackLoop) async throws -> LoopSigning
    let userAgent: String

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("loops", use: list)
        group.post("loops", use: create)
        group.post("loops/check", use: checkAll)
        group.get("loops/{id}", use: show)
        group.patch("loops/{id}", use: update)
        group.delete("loops/{id}", use: delete)
        group.get("loops/{id}/validation-file", use: validationFile)
        group.post("loops/{id}/validate", use: validate)
        group.post("loops/{id}/test", use: test)
        group.post("loops/{id}/secrets/rotate", use: rotateSecret)
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> LoopListView {
        let account = try context.requireAccount()
        return LoopListView(loops: try await loops.loops(of: account.id).map { LoopView($0) })
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<LoopView> {
        let account = try context.requireAccount()
        let input = try await request.decodeJSON(as: CreateLoopRequest.self, context: context)
        var loop = FeedbackLoop.register(
            accountID: account.id,
            url: try LoopInput.url(input.url),
            events: try LoopInput.events(input.events),
            format: try input.format.map(LoopInput.format) ?? .form,
            description: try LoopInput.description(input.description ?? ""),
            delivery: try input.delivery?.applied(to: DeliverySettings()) ?? DeliverySettings(),
            now: Date()
        )
        try Self.checkBatching(loop)
        if input.ed25519 == true { loop.ed25519Key = Array(Curve25519.Signing.PrivateKey().rawRepresentation) }
        let secret = WebhookSecret.generate()
        try await loops.insert(loop, secret: secret)
        loopsChanged()
        context.logger.info("loop created", metadata: ["loop": "\(loop.id)", "account": "\(account.id)"])
        var headers = HTTPFields()
        headers[.location] = "/api/v1/loops/\(loop.id)"
        return EditedResponse(status: .created, headers: headers, response: LoopView(loop, secret: secret))
    }

    /// A new signing secret, shown this once; the old ones keep signing too
    /// until the grace period (default 24 hours) ends.
    @Sendable func rotateSecret(_ request: Request, context: APIRequestContext) async throws -> SecretRotationView {
        let account = try context.requireAccount()
        let id = try context.parameters.require("id")
        var request = request
        let empty = try await request.collectBody(upTo: Request.maximumJSONBytes).readableBytes == 0
        let graceHours =
            empty ? 24 : try await request.decodeJSON(as: RotateSecretRequest.self, context: context).graceHours ?? 24
        guard graceHours.isFinite, (0...720).contains(graceHours) else {
            throw APIError.badRequest("grace_hours must be between 0 and 720", code: "invalid_grace")
        }
        let secret = WebhookSecret.generate()
        do {
            let expiry = try await loops.rotateSecret(
                of: id, account: account.id, to: secret, grace: graceHours * 3600, now: Date())
            loopsChanged()
            context.logger.info("loop secret rotated", metadata: ["loop": "\(id)", "account": "\(account.id)"])
            return SecretRotationView(secret: secret.description, previousExpiresAt: expiry)
        } catch StoreError.notFound {
            throw APIError.notFound("loop \(id)")
        }
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> LoopView {
        LoopView(try await loop(for: context))
    }

    @Sendable func update(_ request: Request, context: APIRequestContext) async throws -> LoopView {
        let patch = try await request.decodeJSON(as: PatchLoopRequest.self, context: context)
        let url = try patch.url.map(LoopInput.url)
        let events = try patch.events.map(LoopInput.events)
        let format = try patch.format.map(LoopInput.format)
        let description = try patch.description.map { try LoopInput.description($0 ?? "") }
        return LoopView(
            try await modify(context: context) { loop in
                if let url { loop.change(url: url) }
                if let events { loop.events = events }
                if let format { loop.format = format }
                if let description { loop.description = description }
                if let delivery = patch.delivery { loop.delivery = try delivery.applied(to: loop.delivery) }
                try Self.checkBatching(loop)
                switch patch.ed25519 {
                case true? where loop.ed25519Key == nil:
                    loop.ed25519Key = Array(Curve25519.Signing.PrivateKey().rawRepresentation)
                case false?: loop.ed25519Key = nil
                default: break
                }
                switch patch.enabled {
                case true?: loop.disabled = nil
                case false? where loop.disabled == nil:
                    loop.disabled = .init(at: Date(), reason: "disabled by the user")
                default: break
                }
            })
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> HTTPResponse.Status {
        let account = try context.requireAccount()
        let id = try context.parameters.require("id")
        guard try await loops.delete(id, of: account.id) else { throw APIError.notFound("loop \(id)") }
        loopsChanged()
        context.logger.info("loop deleted", metadata: ["loop": "\(id)", "account": "\(account.id)"])
        return .noContent
    }

    @Sendable func validationFile(_ request: Request, context: APIRequestContext) async throws -> Response {
        let file = try await loop(for: context).validationFile
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(file.filename)\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: file.body)))
    }

    /// A batch is a JSON array: batching goes with the JSON format only.
    static func checkBatching(_ loop: FeedbackLoop) throws {
        guard loop.delivery.batch == nil || loop.format == .json else {
            throw APIError.badRequest(
                "delivery.batch sends a JSON array, so it needs \"format\": \"json\"", code: "invalid_delivery")
        }
    }

    /// Loads the caller's loop named in the path, or answers 404.
    func loop(for context: APIRequestContext) async throws -> FeedbackLoop {
        let account = try context.requireAccount()
        let id = try context.parameters.require("id")
        guard let loop = try await loops.loop(id, of: account.id) else { throw APIError.notFound("loop \(id)") }
        return loop
    }

    /// Applies `change` to the latest stored loop and stores it, trying again
    /// when a concurrent request changed the loop first.
    func modify(context: APIRequestContext, _ change: (inout FeedbackLoop) throws -> Void) async throws -> FeedbackLoop
    {
        for _ in 0..<5 {
            var loop = try await loop(for: context)
            try change(&loop)
            loop.updatedAt = Date()
            do {
                let stored = try await loops.update(loop)
                loopsChanged()
                return stored
            } catch StoreError.conflict {
                continue
            } catch StoreError.notFound {
                throw APIError.notFound("loop \(loop.id)")
            }
        }
        throw APIError(.conflict, code: "conflict", message: StoreError.conflict.description)
    }
}
