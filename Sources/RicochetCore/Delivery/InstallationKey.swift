import Crypto
import Foundation
import _CryptoExtras

/// One RSA key of the installation, for the classic feedback-loop signature.
/// Its id is the hex of the first 10 bytes of SHA-256 over the public key
/// (SubjectPublicKeyInfo DER): stable, and safe as a DNS label.
public struct InstallationKey: Sendable {
    public let privateKey: _RSA.Signing.PrivateKey
    public let id: String

    public init(privateKey: _RSA.Signing.PrivateKey) {
        self.privateKey = privateKey
        let digest = SHA256.hash(data: privateKey.publicKey.derRepresentation)
        id = digest.prefix(10).map { String(format: "%02x", $0) }.joined()
    }

    public init(pem: String) throws {
        self.init(privateKey: try _RSA.Signing.PrivateKey(pemRepresentation: pem))
    }

    public static func generate() throws -> InstallationKey {
        InstallationKey(privateKey: try _RSA.Signing.PrivateKey(keySize: .bits2048))
    }

    public var pem: String { privateKey.pemRepresentation }

    /// The public key as a JSON Web Key (RFC 7517), for the key set.
    public func jwk() throws -> PayloadValue {
        let primitives = try privateKey.publicKey.getKeyPrimitives()
        return [
            "kty": "RSA", "kid": .string(id), "use": "sig", "alg": "RS256",
            "n": .string(Base64URL.encode(Array(primitives.modulus))),
            "e": .string(Base64URL.encode(Array(primitives.publicExponent))),
        ]
    }

    /// A DKIM-style TXT record publishing the public key at
    /// `<id>._domainkey.<domain>`, its value split into strings of at most
    /// 255 characters as DNS requires.
    public func dnsRecord(domain: String) -> String {
        DNSTextRecord.zoneLine(
            name: "\(id)._domainkey.\(domain)",
            value: "v=DKIM1; k=rsa; p=" + privateKey.publicKey.derRepresentation.base64EncodedString())
    }
}
