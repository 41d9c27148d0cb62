import Hummingbird

/// Serves the API description, `openapi.yaml` at the top of the repository,
/// embedded at build time by `scripts/embed-openapi` (a test checks the two
/// are the same).
enum OpenAPIDocument {
    static func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/yaml; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: yaml)))
    }
}
