import HTTPTypes
import Hummingbird
import Mustache
import RicochetCore
import RicochetStore

/// Renders dashboard pages: a template's body inside the layout, with the
/// headers every page carries (no caching, no framing, only this site's
/// scripts and styles).
struct DashboardPage: Sendable {
    let library: MustacheLibrary
    /// This node's name, in every page's footer: behind a load balancer it
    /// says which node answered.
    let node: String

    func render(
        _ template: String, title: String, data: [String: Any] = [:], session: DashboardSession?,
        notice: String? = nil, status: HTTPResponse.Status = .ok, navigation: String? = nil
    ) -> Response {
        var data = data
        data["csrf"] = session?.csrfToken ?? data["csrf"]
        let body = library.render(data, withTemplate: template) ?? ""
        var layout: [String: Any] = [
            "title": title, "body": body, "version": Ricochet.version, "node": node, "script": true,
        ]
        if let session {
            layout["account"] = session.account.name
            layout["csrf"] = session.csrfToken
        }
        if let notice { layout["notice"] = notice }
        if let navigation { layout["nav" + navigation] = true }
        let html = library.render(layout, withTemplate: "layout") ?? ""
        var response = Response(
            status: status, headers: Self.headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        response.headers[.contentType] = "text/html; charset=utf-8"
        return response
    }

    /// A page that only says something, with a way back.
    func message(
        _ heading: String, _ message: String, session: DashboardSession?, status: HTTPResponse.Status,
        back: String = "/loops", backLabel: String = "Back to the feedback loops"
    ) -> Response {
        render(
            "message", title: heading,
            data: ["heading": heading, "message": message, "back": back, "backLabel": backLabel], session: session,
            status: status)
    }

    /// An API message as a sentence: capitalised, ending in a full stop.
    static func sentence(_ text: String) -> String {
        guard let first = text.first else { return text }
        let capitalised = first.uppercased() + text.dropFirst()
        return capitalised.hasSuffix(".") ? capitalised : capitalised + "."
    }

    /// 303 to `location`: after a form, the browser fetches the page anew.
    static func redirect(to location: String) -> Response {
        var headers = Self.headers
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    static var headers: HTTPFields {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return headers
    }
}

/// A template's values without the absent ones: an absent value is no key
/// at all, which a section reads as false.
func present(_ values: [String: Any?]) -> [String: Any] {
    values.compactMapValues { $0 }
}
