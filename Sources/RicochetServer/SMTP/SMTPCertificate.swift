import Foundation
import NIOSSL

/// The certificate the SMTP receiver offers with STARTTLS: PEM files, the
/// chain (server certificate first) and its private key.
public struct SMTPCertificate: Sendable, Equatable {
    public var chainPath: String
    public var keyPath: String

    public init(chainPath: String, keyPath: String) {
        self.chainPath = chainPath
        self.keyPath = keyPath
    }

    /// Reads both files; an error names the file and what is wrong with it.
    func makeContext() throws -> NIOSSLContext {
        for path in [chainPath, keyPath] where !FileManager.default.isReadableFile(atPath: path) {
            throw SMTPCertificateError(description: "cannot read '\(path)': no such file, or not readable")
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(chainPath)
        } catch {
            throw SMTPCertificateError(description: "cannot read a PEM certificate from '\(chainPath)': \(error)")
        }
        guard !chain.isEmpty else {
            throw SMTPCertificateError(description: "'\(chainPath)' holds no PEM certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw SMTPCertificateError(description: "cannot read a PEM private key from '\(keyPath)': \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw SMTPCertificateError(
                description: "the key in '\(keyPath)' does not go with the certificate in '\(chainPath)': \(error)")
        }
    }
}

public struct SMTPCertificateError: Error, CustomStringConvertible {
    public let description: String
}
