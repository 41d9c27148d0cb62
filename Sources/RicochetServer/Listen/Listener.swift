import Foundation
import Hummingbird
import Logging
import RicochetCore
import RicochetDelivery
import _CryptoExtras

/// `ricochet listen`: a receiver for developers. Prints every call with its
/// verdicts, answers with a chosen status, and serves validation files so a
/// loop pointing at it can be validated.
public struct ListenerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 9000
    public var secret: WebhookSecret?
    public var keysURL: String?
    /// Name → content, served at any path ending in the name.
    public var validationFiles: [String: String] = [:]
    public var status = 200

    public init() {}
}

public func buildListener(
    _ configuration: ListenerConfiguration, client: OutboundClient, print: @escaping @Sendable (String) -> Void
) -> some ApplicationProtocol {
    let router = Router()
    let keys = KeySetCache(url: configuration.keysURL, client: client)
    router.get("**") { request, _ -> Response in
        let name = String(request.uri.path.split(separator: "/").last ?? "")
        guard let content = configuration.validationFiles[name] else {
            print("GET \(request.uri.path)  404 (not a validation file)")
            return Response(status: .notFound)
        }
        print("GET \(request.uri.path)  200 (validation file)")
        return Response(
            status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: content)))
    }
    router.post("**") { request, _ -> Response in
        var request = request
        let body = try await request.collectBody(limit: 16 * 1024 * 1024)
        let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        let report = CallReport(
            method: "POST", target: target, authority: request.head.authority ?? "",
            headers: request.headers.map { ($0.name.rawName, $0.value) }, body: Array(body.readableBytesView))
        let published = await keys.keys()
        for line in report.lines(secret: configuration.secret, keys: published, now: Date()) { print(line) }
        return Response(status: .init(code: configuration.status))
    }
    var logger = Logger(label: "ricochet-listen")
    logger.logLevel = .warning
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        onServerRunning: { channel in
            print("listening on http://\(configuration.host):\(channel.localAddress?.port ?? configuration.port)")
        },
        logger: logger)
}

/// The installation's public keys, fetched from its key set when a call
/// names a key not yet known.
actor KeySetCache {
    let url: String?
    let client: OutboundClient
    private var cached: [String: _RSA.Signing.PublicKey] = [:]

    init(url: String?, client: OutboundClient) {
        self.url = url
        self.client = client
    }

    /// The keys by id, read again on every call (a rotation shows at once);
    /// nil when no key set was given.
    func keys() async -> [String: _RSA.Signing.PublicKey]? {
        guard let url else { return nil }
        if let response = try? await client.send(
            OutboundRequest(method: .get, url: url, timeout: .seconds(10), maximumBodyBytes: 1024 * 1024)),
            response.status == 200
        {
            cached = Self.parse(response.body)
        }
        return cached
    }

    static func parse(_ body: [UInt8]) -> [String: _RSA.Signing.PublicKey] {
        guard let set = try? JSONPayloadDecoder.decode(body[...]), case .object(let fields) = set,
            case .list(let keys)? = fields["keys"]
        else { return [:] }
        var result: [String: _RSA.Signing.PublicKey] = [:]
        for key in keys {
            guard case .object(let jwk) = key, case .string(let id)? = jwk["kid"], case .string(let n)? = jwk["n"],
                case .string(let e)? = jwk["e"], let modulus = Base64URL.decode(n), let exponent = Base64URL.decode(e),
                let publicKey = try? _RSA.Signing.PublicKey(n: modulus, e: exponent)
            else { continue }
            result[id] = publicKey
        }
        return result
    }
}
