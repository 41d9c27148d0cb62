import Hummingbird
import Mustache

/// The dashboard's templates, stylesheet and script, embedded from
/// `Dashboard/` by `scripts/embed-dashboard`.
enum DashboardAssets {
    /// Every template, parsed once. They are part of the program: one that
    /// does not parse is a bug the tests catch, not a condition to handle.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in templates {
            do {
                try library.register(text, named: name)
            } catch {
                fatalError("dashboard template \(name) does not parse: \(error)")
            }
        }
        return library
    }()

    static func addRoutes(to router: Router<APIRequestContext>) {
        router.get("assets/dashboard.css") { _, _ in asset(stylesheet, type: "text/css; charset=utf-8") }
        router.get("assets/dashboard.js") { _, _ in asset(script, type: "text/javascript; charset=utf-8") }
    }

    private static func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
