import Crypto
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
    /// The loop's `v1a` public key.
    public var publicKey: Curve25519.Signing.PublicKey?
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
        for line in report.lines(
            secret: configuration.secret, keys: published, publicKey: configuration.publicKey, now: Date())
        {
            print(line)
        }
        return Response(status: .init(code: configuration.status))
    }
    var logger = Logger(label: "ricochet-listen")
    logger.logLevel = .warning
    return Application(
        router: router,
        server: .handedOverHTTP1(),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        onServerRunning: { channel in
            print("listening on http://\(configuration.host):\(channel.localAddress?.port ?? configuration.port)")
        },
        logger: logger)
}

/// The installation's public keys by id: RSA for the classic signature,
/// Ed25519 for HTTP Message Signatures.
public struct PublishedKeys: Sendable {
    public var rsa: [String: _RSA.Signing.PublicKey] = [:]
    public var ed25519: [String: Curve25519.Signing.PublicKey] = [:]

    public init(rsa: [String: _RSA.Signing.PublicKey] = [:], ed25519: [String: Curve25519.Signing.PublicKey] = [:]) {
        self.rsa = rsa
        self.ed25519 = ed25519
    }

    /// The keys of a JSON Web Key Set; keys of other kinds, or broken ones, are left out.
    public static func parse(_ body: [UInt8]) -> PublishedKeys {
        guard let set = try? JSONPayloadDecoder.decode(body[...]), case .object(let fields) = set,
            case .list(let keys)? = fields["keys"]
        else { return PublishedKeys() }
        var result = PublishedKeys()
        for key in keys {
            guard case .object(let jwk) = key, case .string(let id)? = jwk["kid"] else { continue }
            switch (jwk["kty"], jwk["crv"]) {
            case (.string("RSA")?, _):
                guard case .string(let n)? = jwk["n"], case .string(let e)? = jwk["e"],
                    let modulus = Base64URL.decode(n), let exponent = Base64URL.decode(e),
                    let publicKey = try? _RSA.Signing.PublicKey(n: modulus, e: exponent)
                else { continue }
                result.rsa[id] = publicKey
            case (.string("OKP")?, .string("Ed25519")?):
                guard case .string(let x)? = jwk["x"], let raw = Base64URL.decode(x),
                    let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
                else { continue }
                result.ed25519[id] = publicKey
            default:
                continue
            }
        }
        return result
    }
}

/// The installation's public keys, fetched from its key set when a call
/// names a key not yet known.
actor KeySetCache {
    let url: String?
    let client: OutboundClient
    private var cached = PublishedKeys()

    init(url: String?, client: OutboundClient) {
        self.url = url
        self.client = client
    }

    /// The keys, read again on every call (a rotation shows at once); nil
    /// when no key set was given.
    func keys() async -> PublishedKeys? {
        guard let url else { return nil }
        if let response = try? await client.send(
            OutboundRequest(method: .get, url: url, timeout: .seconds(10), maximumBodyBytes: 1024 * 1024)),
            response.status == 200
        {
            cached = PublishedKeys.parse(response.body)
        }
        return cached
    }
}
