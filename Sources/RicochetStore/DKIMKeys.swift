import Foundation
import RicochetCore

/// The keys accounts sign relayed mail with (DKIM): one per account, domain
/// and selector; the newest of a domain signs.
public protocol DKIMKeyStore: Sendable {
    /// Throws ``StoreError/conflict`` when the account has a key of that
    /// domain and selector, ``StoreError/notFound`` when there is no such account.
    func insert(_ key: StoredDKIMKey) async throws
    /// The account's keys, newest first.
    func dkimKeys(of account: Account.ID) async throws -> [StoredDKIMKey]
    /// Returns false when the account has no such key.
    func deleteDKIMKey(_ id: String, of account: Account.ID) async throws -> Bool
}

public struct StoredDKIMKey: Sendable, Equatable {
    public let id: String
    public let accountID: Account.ID
    /// Lowercased.
    public let domain: String
    public let selector: String
    public let algorithm: DKIMKey.Algorithm
    /// As ``DKIMKey/privateKeyText`` wrote it.
    public let privateKey: String
    public let createdAt: Date

    public init(
        id: String, accountID: Account.ID, domain: String, selector: String, algorithm: DKIMKey.Algorithm,
        privateKey: String, createdAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.domain = domain
        self.selector = selector
        self.algorithm = algorithm
        self.privateKey = privateKey
        self.createdAt = createdAt
    }

    /// A new key of `account`, stored as it is made.
    public init(_ key: DKIMKey, account: Account.ID, now: Date) {
        self.init(
            id: "dkim_" + RandomToken.base32(length: 20), accountID: account, domain: key.domain,
            selector: key.selector, algorithm: key.algorithm, privateKey: key.privateKeyText,
            createdAt: Date(milliseconds: now.milliseconds))
    }

    /// The key, to sign with.
    public func key() throws -> DKIMKey {
        try DKIMKey(domain: domain, selector: selector, algorithm: algorithm, privateKeyText: privateKey)
    }
}

extension StoredRecord {
    /// The columns every backend reads a DKIM key with.
    public static let dkimKeyColumns = "id, account_id, domain, selector, algorithm, private_key, created_at"

    public static func dkimKey(from row: some StoreRow) throws -> StoredDKIMKey {
        let id = try row.text("id")
        guard let algorithm = DKIMKey.Algorithm(rawValue: try row.text("algorithm")) else {
            throw StoreError.corrupt("DKIM key \(id): algorithm")
        }
        return StoredDKIMKey(
            id: id, accountID: try row.text("account_id"), domain: try row.text("domain"),
            selector: try row.text("selector"), algorithm: algorithm, privateKey: try row.text("private_key"),
            createdAt: Date(milliseconds: try row.int64("created_at")))
    }
}
