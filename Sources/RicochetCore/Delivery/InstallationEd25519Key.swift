import Crypto
import Foundation

/// One Ed25519 key of the installation, for HTTP Message Signatures (RFC
/// 9421). Its id is the hex of the first 10 bytes of SHA-256 over the raw
/// public key. Stored as PKCS#8 PEM (RFC 8410), as OpenSSL writes it.
public struct InstallationEd25519Key: Sendable {
    public let privateKey: Curve25519.Signing.PrivateKey
    public let id: String

    /// PKCS#8's DER before the 32-byte seed: version 0, id-Ed25519, an octet string in an octet string.
    private static let pkcs8Prefix: [UInt8] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    public init(privateKey: Curve25519.Signing.PrivateKey) {
        self.privateKey = privateKey
        id = SHA256.hash(data: privateKey.publicKey.rawRepresentation).prefix(10)
            .map { String(format: "%02x", $0) }.joined()
    }

    public static func generate() -> InstallationEd25519Key {
        InstallationEd25519Key(privateKey: Curve25519.Signing.PrivateKey())
    }

    public struct NotAnEd25519Key: Error {}

    public init(pem: String) throws {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let der = Data(base64Encoded: body), der.count == 48, Array(der.prefix(16)) == Self.pkcs8Prefix else {
            throw NotAnEd25519Key()
        }
        self.init(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32)))
    }

    public var pem: String {
        let der = Data(Self.pkcs8Prefix + privateKey.rawRepresentation)
        return "-----BEGIN PRIVATE KEY-----\n" + der.base64EncodedString() + "\n-----END PRIVATE KEY-----\n"
    }

    /// The public key as a JSON Web Key (RFC 8037), for the key set.
    public func jwk() -> PayloadValue {
        [
            "kty": "OKP", "crv": "Ed25519", "kid": .string(id), "use": "sig", "alg": "EdDSA",
            "x": .string(Base64URL.encode(Array(privateKey.publicKey.rawRepresentation))),
        ]
    }
}
