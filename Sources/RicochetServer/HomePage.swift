import Hummingbird
import RicochetCore

/// The page at `/` until the dashboard exists: says what is here and where
/// the API and its description are.
enum HomePage {
    static func response() -> Response {
        let html = """
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Ricochet</title></head>
            <body>
            <h1>Ricochet \(Ricochet.version)</h1>
            <p>This installation is running. The dashboard is not part of this version yet;
            use the API at <a href="/api/v1/loops"><code>/api/v1</code></a> with your API key
            (<code>Authorization: Bearer KEY</code>).</p>
            <p>The API is described in <a href="/api/v1/openapi.yaml">openapi.yaml</a>.</p>
            </body>
            </html>

            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
