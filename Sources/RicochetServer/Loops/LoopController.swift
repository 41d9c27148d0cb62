import Crypto
import Foundation
import Hummingbird
import RicochetCore
import RicochetDelivery
import RicochetStore

/// The feedback loop API: register, list, change, delete, validate and test.
struct LoopController<Loops: LoopStore>: Sendable {
    let service: LoopService<Loops>

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
        LoopListView(loops: try await service.all(of: context.requireAccount()).map { LoopView($0) })
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<LoopView> {
        let account = try context.requireAccount()
        let input = try await request.decodeJSON(as: CreateLoopRequest.self, context: context)
        let draft = LoopDraft(
            url: try LoopInput.url(input.url),
            events: try LoopInput.events(input.events),
            format: try input.format.map(LoopInput.format) ?? .form,
            description: try LoopInput.description(input.description ?? ""),
            delivery: try input.delivery?.applied(to: DeliverySettings()) ?? DeliverySettings(),
            signing: try LoopInput.signing(
                input: input.signing, ed25519: input.ed25519, default: SigningScheme.newLoopDefault))
        let (loop, secret) = try await service.create(draft, for: account)
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
        let empty = try await request.collectBody(limit: Request.maximumJSONBytes).readableBytes == 0
        let graceHours =
            empty ? 24 : try await request.decodeJSON(as: RotateSecretRequest.self, context: context).graceHours ?? 24
        let (secret, expiry) = try await service.rotateSecret(of: id, account: account, graceHours: graceHours)
        context.logger.info("loop secret rotated", metadata: ["loop": "\(id)", "account": "\(account.id)"])
        return SecretRotationView(secret: secret.description, previousExpiresAt: expiry)
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
        let account = try context.requireAccount()
        return LoopView(
            try await service.modify(try context.parameters.require("id"), of: account) { loop in
                if let url { loop.change(url: url) }
                if let events { loop.events = events }
                if let format { loop.format = format }
                if let description { loop.description = description }
                if let delivery = patch.delivery { loop.delivery = try delivery.applied(to: loop.delivery) }
                if patch.signing != nil || patch.ed25519 != nil {
                    loop.setSigning(
                        try LoopInput.signing(input: patch.signing, ed25519: patch.ed25519, default: loop.signing))
                }
                if let enabled = patch.enabled { loop.setEnabled(enabled) }
            })
    }

    @Sendable func delete(_ request: Request, context: APIRequestContext) async throws -> HTTPResponse.Status {
        let account = try context.requireAccount()
        let id = try context.parameters.require("id")
        try await service.delete(id, of: account)
        context.logger.info("loop deleted", metadata: ["loop": "\(id)", "account": "\(account.id)"])
        return .noContent
    }

    @Sendable func validationFile(_ request: Request, context: APIRequestContext) async throws -> Response {
        try await loop(for: context).validationFile.download
    }

    /// Loads the caller's loop named in the path, or answers 404.
    func loop(for context: APIRequestContext) async throws -> FeedbackLoop {
        try await service.loop(try context.parameters.require("id"), of: context.requireAccount())
    }
}

extension ValidationFile {
    /// The file as a download named as it must be placed.
    var download: Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

extension FeedbackLoop {
    /// Signs with `schemes` from now on. The loop's own Ed25519 key comes
    /// with `standard-webhooks-ed25519` (an existing one is kept) and goes
    /// without it.
    mutating func setSigning(_ schemes: Set<SigningScheme>) {
        signing = schemes
        if !schemes.contains(.standardWebhooksEd25519) {
            ed25519Key = nil
        } else if ed25519Key == nil {
            ed25519Key = Array(Curve25519.Signing.PrivateKey().rawRepresentation)
        }
    }

    /// Re-enables a disabled loop, or disables it by the user's hand.
    mutating func setEnabled(_ enabled: Bool) {
        if enabled {
            disabled = nil
        } else if disabled == nil {
            disabled = .init(at: Date(), reason: "disabled by the user")
        }
    }
}
