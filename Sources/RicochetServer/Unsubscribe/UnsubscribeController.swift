import Foundation
import HTTPTypes
import Hummingbird
import RicochetCore
import RicochetStore

/// `/u/{token}`, the URL of a message's `List-Unsubscribe` field.
///
/// A POST unsubscribes at once (RFC 8058: a mail client's one-click POST
/// carries no login and no CSRF token; the signed token is the proof),
/// records an `unsubscribe` event — which puts the recipient on the
/// suppression list in the same transaction — and answers once it is
/// durable. A GET, which mail scanners and link previews make, only shows a
/// page that asks the recipient to confirm (by that same POST) and records
/// nothing. A forged token answers 404 and records nothing.
struct UnsubscribeController<S: RecordingStore>: Sendable {
    let links: UnsubscribeLinks
    let recorder: EventRecorder<S>
    let clientAddress: ClientAddress

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("u/{token}", use: page)
        router.post("u/{token}", use: unsubscribe)
    }

    @Sendable func page(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard message(context) != nil else { return Self.html(.notFound, UnsubscribePage.notFound) }
        return Self.html(.ok, UnsubscribePage.confirm)
    }

    @Sendable func unsubscribe(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let message = message(context) else { return Self.html(.notFound, UnsubscribePage.notFound) }
        var request = request
        let body = String(buffer: try await request.collectBody(upTo: 4096))
        let unsubscription = Unsubscription(
            message: message,
            method: body.split(separator: "&").contains(Substring(UnsubscribePage.pageField)) ? .page : .oneClick,
            ip: clientAddress.address(of: request.headers, peer: context.peerAddress),
            userAgent: String(request.headers[.userAgent]?.prefix(512) ?? ""), at: Date())
        let recorded: [Event?]
        do {
            recorded = try await recorder.record([.unsubscribe(unsubscription)])
        } catch {
            return Self.html(.serviceUnavailable, UnsubscribePage.notRecorded)
        }
        guard recorded.first??.id != nil else { return Self.html(.notFound, UnsubscribePage.notFound) }
        return Self.html(.ok, UnsubscribePage.done)
    }

    private func message(_ context: APIRequestContext) -> MessageID? {
        context.parameters.get("token").flatMap { links.codec.message(fromToken: $0) }
    }

    static func html(_ status: HTTPResponse.Status, _ page: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("X-Robots-Tag")!] = "noindex"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}

/// The pages of `/u/{token}`: small, no script, nothing about the recipient.
enum UnsubscribePage {
    /// The confirmation form sends this besides RFC 8058's field, so that
    /// the event says how the recipient asked.
    static let pageField = "from=page"

    static let confirm = layout(
        "Unsubscribe",
        """
        <p>Do you want to stop receiving these emails?</p>
        <form method="post">
        <input type="hidden" name="List-Unsubscribe" value="One-Click">
        <input type="hidden" name="from" value="page">
        <button type="submit">Unsubscribe</button>
        </form>
        """)
    static let done = layout("Unsubscribed", "<p>You are unsubscribed. You will not receive these emails again.</p>")
    static let notFound = layout("Link not valid", "<p>This unsubscribe link is not valid.</p>")
    static let notRecorded = layout(
        "Please try again", "<p>Your request could not be saved just now. Please try again in a moment.</p>")

    static func layout(_ title: String, _ body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title)</title>
        <style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}
        button{font:inherit;padding:.5rem 1.25rem;cursor:pointer}</style></head>
        <body><h1>\(title)</h1>
        \(body)
        </body></html>

        """
    }
}
