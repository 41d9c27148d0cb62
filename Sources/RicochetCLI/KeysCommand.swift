import ArgumentParser
import Foundation
import RicochetCore
import RicochetStore

/// `ricochet keys …`: the installation's keys: RSA for the classic
/// signature, Ed25519 for HTTP Message Signatures.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract:
            "The installation's keys: RSA for the classic Signature header, Ed25519 for HTTP Message Signatures.",
        subcommands: [KeysDNS.self, KeysRotate.self]
    )
}

/// `ricochet keys dns --domain D`: DNS TXT records publishing the public keys.
struct KeysDNS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "Print a DKIM-style DNS TXT record for each published key (selector = keyId).",
        discussion: """
            Receivers can then fetch the key for a Signature's keyId from DNS at
            <keyId>._domainkey.<domain>, as they would a DKIM key, instead of from
            /.well-known/ricochet-keys.
            """
    )

    @Option(name: .long, help: "The domain the records go under, e.g. example.com.")
    var domain: String

    @OptionGroup var database: DatabaseOption

    func validate() throws {
        guard DKIMKey.isHostName(domain.lowercased()) else {
            throw ValidationError("--domain must be a DNS name such as example.com")
        }
    }

    func run() async throws {
        let store = try await database.open()
        let keys: [StoredSigningKey]
        do {
            keys = try await store.signingKeys(at: Date())
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        guard !keys.isEmpty else {
            throw CommandFailure("the installation has no key yet: start the server once (ricochet serve)")
        }
        for stored in keys {
            print(try InstallationKey(pem: stored.privateKey).dnsRecord(domain: domain))
        }
    }
}

/// `ricochet keys rotate`: a new key of each algorithm; the old ones stay
/// published for the grace period.
struct KeysRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract:
            "Make a new RSA and a new Ed25519 key; the old ones stay published (and valid) for the grace period.",
        discussion:
            "Prints the new RSA keyId, then the new Ed25519 keyid. Running servers sign with the new keys within a second."
    )

    @Option(name: .long, help: "Hours the old keys stay published (default 168, one week).")
    var graceHours: Double = 168

    @OptionGroup var database: DatabaseOption

    func validate() throws {
        guard graceHours.isFinite, (0...8760).contains(graceHours) else {
            throw ValidationError("--grace-hours must be between 0 and 8760")
        }
    }

    func run() async throws {
        let key = try InstallationKey.generate()
        let ed25519 = InstallationEd25519Key.generate()
        let store = try await database.open()
        do {
            try await store.addSigningKey(
                id: key.id, algorithm: .rsa, privateKey: key.pem, now: Date(), grace: graceHours * 3600)
            try await store.addSigningKey(
                id: ed25519.id, algorithm: .ed25519, privateKey: ed25519.pem, now: Date(), grace: graceHours * 3600)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        print(key.id)
        print(ed25519.id)
    }
}
