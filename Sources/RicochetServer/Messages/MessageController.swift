import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

/// `POST /api/v1/messages` (and its batch form): registers messages and
/// answers their instrumented HTML and text, return path and headers.
///
/// A recipient on the account's suppression list is refused (422
/// `recipient_suppressed`; in a batch, that item alone) or, when the
/// account's settings say `warn`, registered with the entry named in the
/// answer's `suppressed`.
struct MessageController<
    Messages: MessageStore & ProfileStore & SubprofileStore & RelayQueueStore & SuppressionStore & AccountSettingsStore
>: Sendable {
    let messages: Messages
    let urls: TrackingURLs
    let returnPaths: ReturnPathCodec
    let unsubscribe: UnsubscribeLinks
    let bounceLocalPart: String
    let bounceDomain: String

    static var maximumBatch: Int { 10_000 }
    static var maximumBodyBytes: Int { 64 * 1024 * 1024 }

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("messages", use: create)
        group.post("messages/batch", use: createBatch)
        group.get("messages/{id}", use: show)
    }

    @Sendable func create(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<MessageView> {
        let account = try context.requireAccount()
        let input = try await request.decodeJSON(as: NewMessageRequest.self, context: context)
        let owners = try await checkProfiles(of: [input], account: account)
        var (message, view) = try register(input, account: account, path: "", owners: owners)
        let check = try await SuppressionCheck(of: [message], store: messages, account: account.id)
        if let entry = check.entries[0] {
            guard check.mode == .warn else { throw SuppressionCheck.refusal(of: message.recipient, entry) }
            view.suppressed = SuppressionView(entry)
        }
        try await messages.insert([message])
        var headers = HTTPFields()
        headers[.location] = "/api/v1/messages/\(message.id)"
        return EditedResponse(status: .created, headers: headers, response: view)
    }

    @Sendable func createBatch(_ request: Request, context: APIRequestContext) async throws -> EditedResponse<
        MessageBatchView
    > {
        let account = try context.requireAccount()
        let (input, object) = try await request.decodeJSONObject(
            as: MessageBatchRequest.self, context: context, maximumBytes: Self.maximumBodyBytes)
        guard !input.messages.isEmpty, input.messages.count <= Self.maximumBatch else {
            throw APIError.badRequest("messages must hold 1 to \(Self.maximumBatch) messages", code: "invalid_batch")
        }
        if case .list(let items)? = object["messages"] {
            for (index, item) in items.enumerated() {
                guard case .object(let fields) = item else { continue }
                if let unknown = fields.keys.first(where: { !NewMessageRequest.fields.contains($0) }) {
                    throw APIError.badRequest("messages[\(index)]: unknown field '\(unknown)'", code: "unknown_field")
                }
                if let null = fields.first(where: { $0.value == .null })?.key {
                    throw APIError.badRequest(
                        "messages[\(index)].\(null) must not be null; leave it out instead", code: "invalid_field")
                }
            }
        }
        let owners = try await checkProfiles(of: input.messages, account: account)
        var made: [(Message, MessageView)] = []
        for (index, item) in input.messages.enumerated() {
            made.append(try register(item, account: account, path: "messages[\(index)].", owners: owners))
        }
        let check = try await SuppressionCheck(of: made.map(\.0), store: messages, account: account.id)
        var registered: [Message] = []
        var views: [MessageView] = []
        var refused: [MessageBatchView.Refused] = []
        for (index, (message, view)) in made.enumerated() {
            var view = view
            if let entry = check.entries[index] {
                guard check.mode == .warn else {
                    refused.append(.init(index: index, recipient: message.recipient, suppression: entry))
                    continue
                }
                view.suppressed = SuppressionView(entry)
            }
            registered.append(message)
            views.append(view)
        }
        guard !registered.isEmpty else {
            throw APIError(
                .unprocessableContent, code: SuppressionCheck.code,
                message: "every recipient is on the suppression list; nothing was registered",
                details: ["refused": .list(refused.map(\.payload))])
        }
        try await messages.insert(registered)
        return EditedResponse(status: .created, response: MessageBatchView(messages: views, refused: refused))
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> MessageView {
        let account = try context.requireAccount()
        let text = try context.parameters.require("id")
        guard let id = MessageID(text), let message = try await messages.message(id, of: account.id) else {
            throw APIError.notFound("message \(text)")
        }
        let copy = try await messages.relayCopies(of: message.id, account: account.id).first
        return MessageView(
            message, html: nil, text: nil, returnPath: returnPath(for: message.id), relay: copy,
            unsubscribe: copy == nil ? unsubscribe.fields(for: message.id) : [])
    }

    /// Every named profile and subprofile must be the account's, and a
    /// subprofile must belong to the profile named with it. Returns the
    /// profile of each named subprofile.
    private func checkProfiles(of inputs: [NewMessageRequest], account: Account) async throws -> [String: String] {
        let namedProfiles = inputs.compactMap(\.profile)
        let namedSubprofiles = inputs.compactMap(\.subprofile)
        let profiles = try await messages.profiles(namedProfiles)
        let subprofiles = try await messages.subprofiles(namedSubprofiles)
        for (index, input) in inputs.enumerated() {
            let path = inputs.count > 1 ? "messages[\(index)]." : ""
            if let problem = ProfileReference.problem(
                profile: input.profile, subprofile: input.subprofile, account: account.id, profiles: profiles,
                subprofiles: subprofiles)
            {
                let field = problem.isSubprofile ? "subprofile" : "profile"
                throw APIError.unprocessable("\(path)\(field): \(problem.description)", code: "unknown_profile")
            }
        }
        return subprofiles.mapValues(\.profileID)
    }

    /// Checks and instruments one message.
    private func register(_ input: NewMessageRequest, account: Account, path: String, owners: [String: String]) throws
        -> (Message, MessageView)
    {
        let recipient = try MessageInput.recipient(input.recipient, at: path)
        let tags = try MessageInput.tags(input.tags, at: path)
        let html = try MessageInput.part(input.html, name: "html", at: path)
        let text = try MessageInput.part(input.text, name: "text", at: path)
        let id = MessageID.generate()
        let header = try MessageInput.messageID(input.messageID, at: path) ?? .assigned(to: id, domain: bounceDomain)
        var links: [TrackedLink] = []
        let instrumentedHTML = html.map { html in
            let result = HTMLInstrumenter.instrument(html, pixelURL: urls.pixel(for: id)) { urls.url(for: $0, of: id) }
            links += result.links
            return result.html
        }
        let instrumentedText = text.map { text in
            let result = TextInstrumenter.instrument(text, startingAt: links.count) { urls.url(for: $0, of: id) }
            links += result.links
            return result.text
        }
        let message = Message(
            id: id, accountID: account.id, recipient: recipient, tags: tags, links: links, createdAt: Date(),
            profileID: input.profile ?? input.subprofile.flatMap { owners[$0] }, subprofileID: input.subprofile,
            messageIDHeader: header)
        return (
            message,
            MessageView(
                message, html: instrumentedHTML, text: instrumentedText, returnPath: returnPath(for: id),
                unsubscribe: unsubscribe.fields(for: id))
        )
    }

    private func returnPath(for id: MessageID) -> String {
        returnPaths.address(for: id, local: bounceLocalPart, domain: bounceDomain)
    }
}
