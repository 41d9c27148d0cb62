import Foundation
import RicochetCore
import RicochetStore

/// The installation's newest key of each algorithm: RSA for the classic
/// signature, Ed25519 for HTTP Message Signatures.
public struct InstallationKeys: Sendable {
    public var rsa: InstallationKey?
    public var ed25519: InstallationEd25519Key?

    public init(rsa: InstallationKey? = nil, ed25519: InstallationEd25519Key? = nil) {
        self.rsa = rsa
        self.ed25519 = ed25519
    }

    /// The newest keys in `store`, parsed again only where they changed from `known`.
    public static func current(in store: some SigningKeyStore, known: InstallationKeys? = nil) async throws
        -> InstallationKeys
    {
        let now = Date()
        var keys = InstallationKeys()
        if let newest = try await store.signingKeys(.rsa, at: now).first {
            keys.rsa = known?.rsa?.id == newest.id ? known?.rsa : try InstallationKey(pem: newest.privateKey)
        }
        if let newest = try await store.signingKeys(.ed25519, at: now).first {
            keys.ed25519 =
                known?.ed25519?.id == newest.id ? known?.ed25519 : try InstallationEd25519Key(pem: newest.privateKey)
        }
        return keys
    }
}
