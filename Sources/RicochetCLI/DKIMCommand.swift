import ArgumentParser
import Foundation
import RicochetCore
import RicochetStore

/// `ricochet dkim …`: the keys an account signs relayed mail with.
struct DKIMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dkim",
        abstract: "The DKIM keys an account signs relayed mail with, one per From domain and selector.",
        subcommands: [DKIMCreate.self, DKIMList.self, DKIMDelete.self]
    )
}

/// `ricochet dkim create --domain D --selector S [--algorithm rsa|ed25519]`.
struct DKIMCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Make a DKIM key for a domain and print the DNS TXT record to publish.",
        discussion: """
            Mail the relay sends from the domain is signed with the newest key of
            that domain once the key exists; publish the record first, or
            receivers will find the signature's key missing.
            """
    )

    @Option(name: .long, help: "The From domain the key signs for, e.g. shop.example.")
    var domain: String

    @Option(name: .long, help: "The selector, e.g. s2026 (the record goes under SELECTOR._domainkey.DOMAIN).")
    var selector: String

    @Option(name: .long, help: "rsa (RSA-2048, rsa-sha256; every receiver checks it) or ed25519 (ed25519-sha256).")
    var algorithm: DKIMKey.Algorithm = .rsa

    @OptionGroup var account: AccountOption
    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let key: DKIMKey
        do {
            key = try DKIMKey.generate(domain: domain, selector: selector, algorithm: algorithm)
        } catch let problem as DKIMKey.Problem {
            throw CommandFailure("\(problem)")
        }
        let store = try await database.open()
        do {
            let chosen = try await account.choose(in: store)
            do {
                try await store.insert(StoredDKIMKey(key, account: chosen.id, now: Date()))
            } catch StoreError.conflict {
                throw CommandFailure(
                    "account \(chosen.id) has a key for \(key.selector)._domainkey.\(key.domain) already; "
                        + "choose another selector")
            }
            await store.close()
        } catch {
            await store.close()
            throw error
        }
        print(key.dnsRecord)
    }
}

extension DKIMKey.Algorithm: ExpressibleByArgument {}

/// `ricochet dkim list`: the account's keys and their records.
struct DKIMList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the account's DKIM keys: id, domain, selector, algorithm, record.")

    @OptionGroup var account: AccountOption
    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let store = try await database.open()
        let keys: [StoredDKIMKey]
        do {
            keys = try await store.dkimKeys(of: try await account.choose(in: store).id)
            await store.close()
        } catch {
            await store.close()
            throw error
        }
        for stored in keys {
            print("\(stored.id)\t\(stored.domain)\t\(stored.selector)\t\(stored.algorithm.rawValue)")
            print("\t\(try stored.key().dnsRecord)")
        }
    }
}

/// `ricochet dkim delete ID`.
struct DKIMDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a DKIM key; mail from its domain is then signed by the next newest key, if any.")

    @Argument(help: "The key's id (see 'ricochet dkim list').")
    var id: String

    @OptionGroup var account: AccountOption
    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let store = try await database.open()
        do {
            let chosen = try await account.choose(in: store)
            guard try await store.deleteDKIMKey(id, of: chosen.id) else {
                throw CommandFailure("account \(chosen.id) has no DKIM key '\(id)'")
            }
            await store.close()
        } catch {
            await store.close()
            throw error
        }
        print("deleted \(id)")
    }
}
