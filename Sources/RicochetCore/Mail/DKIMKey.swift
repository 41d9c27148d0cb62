import Crypto
import Foundation
import _CryptoExtras

/// A key an account signs its relayed mail with (DKIM, RFC 6376): RSA-2048
/// for rsa-sha256, or Ed25519 for ed25519-sha256 (RFC 8463), published at
/// `selector._domainkey.domain`.
public struct DKIMKey: Sendable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case rsa
        case ed25519

        /// The `a=` tag of a signature by such a key.
        public var signatureAlgorithm: String {
            switch self {
            case .rsa: "rsa-sha256"
            case .ed25519: "ed25519-sha256"
            }
        }
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case domain(String)
        case selector(String)
        case privateKey(String)

        public var description: String {
            switch self {
            case .domain(let domain): "\(domain) is not a domain name"
            case .selector(let selector): "\(selector) is not a DKIM selector (letters, digits, hyphens, dots)"
            case .privateKey(let reason): "the private key cannot be read: \(reason)"
            }
        }
    }

    private enum Signing: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    /// Lowercased.
    public let domain: String
    public let selector: String
    private let signing: Signing

    public var algorithm: Algorithm {
        switch signing {
        case .rsa: .rsa
        case .ed25519: .ed25519
        }
    }

    /// A new key.
    public static func generate(domain: String, selector: String, algorithm: Algorithm) throws -> DKIMKey {
        switch algorithm {
        case .rsa:
            try DKIMKey(domain: domain, selector: selector, signing: .rsa(_RSA.Signing.PrivateKey(keySize: .bits2048)))
        case .ed25519:
            try DKIMKey(domain: domain, selector: selector, signing: .ed25519(Curve25519.Signing.PrivateKey()))
        }
    }

    /// A stored key: ``privateKeyText`` as this type wrote it.
    public init(domain: String, selector: String, algorithm: Algorithm, privateKeyText: String) throws {
        switch algorithm {
        case .rsa:
            let key: _RSA.Signing.PrivateKey
            do { key = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyText) } catch {
                throw Problem.privateKey("\(error)")
            }
            try self.init(domain: domain, selector: selector, signing: .rsa(key))
        case .ed25519:
            guard let raw = Data(base64Encoded: privateKeyText),
                let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
            else { throw Problem.privateKey("not a base64 Ed25519 private key") }
            try self.init(domain: domain, selector: selector, signing: .ed25519(key))
        }
    }

    private init(domain: String, selector: String, signing: Signing) throws {
        let domain = domain.lowercased()
        guard Self.isHostName(domain) else { throw Problem.domain(domain) }
        guard Self.isHostName(selector.lowercased()) else { throw Problem.selector(selector) }
        self.domain = domain
        self.selector = selector
        self.signing = signing
    }

    /// PEM for RSA, the base64 of the 32-byte seed for Ed25519.
    public var privateKeyText: String {
        switch signing {
        case .rsa(let key): key.pemRepresentation
        case .ed25519(let key): key.rawRepresentation.base64EncodedString()
        }
    }

    /// The value of the TXT record that publishes the public key.
    public var dnsValue: String {
        switch signing {
        case .rsa(let key): "v=DKIM1; k=rsa; p=" + key.publicKey.derRepresentation.base64EncodedString()
        case .ed25519(let key): "v=DKIM1; k=ed25519; p=" + key.publicKey.rawRepresentation.base64EncodedString()
        }
    }

    /// The record to publish, in zone-file syntax.
    public var dnsRecord: String {
        DNSTextRecord.zoneLine(name: "\(selector)._domainkey.\(domain)", value: dnsValue)
    }

    /// The signature of the canonicalized header data: RSASSA-PKCS1-v1_5
    /// with SHA-256, or Ed25519 over its SHA-256 (RFC 8463 §3).
    public func sign(_ data: [UInt8]) throws -> [UInt8] {
        switch signing {
        case .rsa(let key):
            Array(try key.signature(for: data, padding: .insecurePKCS1v1_5).rawRepresentation)
        case .ed25519(let key):
            Array(try key.signature(for: Array(SHA256.hash(data: data))))
        }
    }

    /// Lowercase letters, digits, hyphens and underscores in dot-separated
    /// labels of at most 63, none starting or ending with a hyphen.
    public static func isHostName(_ name: String) -> Bool {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { byte in
                    (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == 45 || byte == 95
                }
        }
    }
}
