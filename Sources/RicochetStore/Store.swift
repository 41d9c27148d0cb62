import Foundation
import RicochetCore

/// Accounts and the API keys that authenticate them.
public protocol AccountStore: Sendable {
    /// Creates an account with its first API key, in one transaction.
    func createAccount(name: String, key: APIKey, now: Date) async throws -> Account
    /// The account a key belongs to, looked up by the key's hash.
    func account(keyHash: String) async throws -> Account?
    func hasAccounts() async throws -> Bool
    /// Creates the account only if there is none yet, atomically: of several
    /// nodes (or processes) making the first account of one empty database
    /// at once, one does; the others get nil.
    func createFirstAccount(name: String, key: APIKey, now: Date) async throws -> Account?
    /// Every account, oldest first.
    func accounts() async throws -> [Account]
    /// Gives an account one more API key. Throws ``StoreError/notFound``
    /// when there is no such account.
    func addKey(_ key: APIKey, to account: Account.ID, now: Date) async throws
}

/// The database connection itself: its health, for readiness, and its end.
public protocol StoreConnection: Sendable {
    /// The kind of database, as the metrics name it: `sqlite` or `postgresql`.
    var backend: String { get }
    /// Writes and reads back a row as every write and read does; throws
    /// when the database cannot be written or read.
    func checkReadWrite(now: Date) async throws
    /// Closes the store; nothing may be asked of it after.
    func close() async
}

/// Feedback loops. Every read and write is scoped to one account: a loop of
/// another account is as absent as one that never existed.
public protocol LoopStore: Sendable {
    /// Stores a new loop with its first signing secret.
    func insert(_ loop: FeedbackLoop, secret: WebhookSecret) async throws
    /// The loop's signing secrets in use at `now`, newest first (two during a
    /// rotation's grace period).
    func secrets(of loop: FeedbackLoop.ID, at now: Date) async throws -> [WebhookSecret]
    /// Adds `secret` as the loop's newest and ends the others after `grace`;
    /// returns when they end. Throws ``StoreError/notFound`` for another
    /// account's loop.
    func rotateSecret(
        of loop: FeedbackLoop.ID, account: Account.ID, to secret: WebhookSecret, grace: TimeInterval, now: Date
    ) async throws -> Date
    func loops(of account: Account.ID) async throws -> [FeedbackLoop]
    func loop(_ id: FeedbackLoop.ID, of account: Account.ID) async throws -> FeedbackLoop?
    /// Stores `loop` if the stored copy is still at `loop.revision`, and
    /// returns what was stored (revision advanced). Throws
    /// ``StoreError/conflict`` when someone else changed it first and
    /// ``StoreError/notFound`` when it is gone.
    func update(_ loop: FeedbackLoop) async throws -> FeedbackLoop
    /// Returns false when there was no such loop.
    func delete(_ id: FeedbackLoop.ID, of account: Account.ID) async throws -> Bool
}

/// Messages the sender registered, with their tracked links.
public protocol MessageStore: Sendable {
    /// Stores all of them in one transaction.
    func insert(_ messages: [Message]) async throws
    /// The messages with these ids, whatever their account (tracking hits
    /// carry no account; the message says whose it is).
    func messages(_ ids: [MessageID]) async throws -> [MessageID: Message]
    func message(_ id: MessageID, of account: Account.ID) async throws -> Message?
    /// The latest message sent with this `Message-ID`, whatever its account.
    func message(withHeader header: MessageIDHeader) async throws -> Message?
}

/// Recorded events: written once, read by the event log and statistics.
public protocol EventStore: Sendable {
    /// Stores all of them in one transaction: when this returns they are durable.
    func insert(_ events: [Event]) async throws
    /// Stores the events and applies `suppressions` (what they caused on
    /// the suppression list, with the events of those changes) in one
    /// transaction.
    func insert(_ events: [Event], suppressions: [SuppressionWrite]) async throws
    func events(of account: Account.ID, matching query: EventQuery) async throws -> EventPage
}

/// Secrets of this installation, shared by every node on the database.
public protocol SecretStore: Sendable {
    /// The secret called `name`, created at random (32 bytes) the first time.
    func secret(named name: String) async throws -> [UInt8]
}

/// Copies of the remote images of messages, so each is fetched once.
public protocol ImageCacheStore: Sendable {
    func cachedImage(url: String) async throws -> CachedImage?
    func cache(_ image: CachedImage) async throws
}

/// An image as fetched from the sender's server.
public struct CachedImage: Sendable, Equatable {
    public let url: String
    public let contentType: String
    public let body: [UInt8]
    public let fetchedAt: Date

    public init(url: String, contentType: String, body: [UInt8], fetchedAt: Date) {
        self.url = url
        self.contentType = contentType
        self.body = body
        self.fetchedAt = fetchedAt
    }
}

/// Profile databases and profiles. Each change is stored with the event that
/// reports it, in one transaction.
public protocol ProfileStore: Sendable {
    /// Throws ``StoreError/conflict`` when the account has a database of that name.
    func insert(_ database: ProfileDatabase) async throws
    func profileDatabases(of account: Account.ID) async throws -> [ProfileDatabase]
    func profileDatabase(_ id: String, of account: Account.ID) async throws -> ProfileDatabase?
    func insert(_ profile: Profile, event: Event) async throws
    func update(_ profile: Profile, event: Event) async throws
    /// Returns false when there was no such profile.
    func deleteProfile(_ profile: Profile, event: Event) async throws -> Bool
    func profile(_ id: String, of account: Account.ID) async throws -> Profile?
    /// The profiles with these ids, whatever their account.
    func profiles(_ ids: [String]) async throws -> [String: Profile]
    /// Profiles of a database whose fields equal all of `fields`, oldest first, after the cursor.
    func profiles(
        in database: String, of account: Account.ID, where fields: [String: String], after: String?, limit: Int
    )
        async throws -> [Profile]
}

/// Collections of a profile database and their subprofiles, each change
/// stored with its event in one transaction.
public protocol SubprofileStore: Sendable {
    /// Throws ``StoreError/conflict`` when the database has a collection of that name.
    func insert(_ collection: ProfileCollection) async throws
    func collections(in database: String, of account: Account.ID) async throws -> [ProfileCollection]
    func collection(_ id: String, of account: Account.ID) async throws -> ProfileCollection?
    func insert(_ subprofile: Subprofile, event: Event) async throws
    func update(_ subprofile: Subprofile, event: Event) async throws
    func deleteSubprofile(_ subprofile: Subprofile, event: Event) async throws -> Bool
    func subprofile(_ id: String, of account: Account.ID) async throws -> Subprofile?
    /// The subprofiles with these ids, whatever their account.
    func subprofiles(_ ids: [String]) async throws -> [String: Subprofile]
    func subprofiles(
        in collection: String, of account: Account.ID, where fields: [String: String], after: String?, limit: Int
    ) async throws -> [Subprofile]
}

/// The installation's RSA signing keys: one active, older ones published
/// until they retire.
public protocol SigningKeyStore: Sendable {
    /// Keys of `algorithm` still published at `now`, newest first; the first is the one to sign with.
    func signingKeys(_ algorithm: SigningKeyAlgorithm, at now: Date) async throws -> [StoredSigningKey]
    /// Makes `key` the one of its algorithm to sign with; the others of
    /// that algorithm retire after `grace`.
    func addSigningKey(
        id: String, algorithm: SigningKeyAlgorithm, privateKey: String, now: Date, grace: TimeInterval
    ) async throws
}

/// The installation's keys: RSA for the classic signature, Ed25519 for HTTP Message Signatures.
public enum SigningKeyAlgorithm: String, Sendable, CaseIterable {
    case rsa
    case ed25519
}

extension SigningKeyStore {
    /// The RSA keys.
    public func signingKeys(at now: Date) async throws -> [StoredSigningKey] {
        try await signingKeys(.rsa, at: now)
    }

    /// A new RSA key.
    public func addSigningKey(id: String, privateKey: String, now: Date, grace: TimeInterval) async throws {
        try await addSigningKey(id: id, algorithm: .rsa, privateKey: privateKey, now: now, grace: grace)
    }
}

extension StoredRecord {
    /// The published keys of one algorithm (algorithm, now).
    public static let signingKeys = """
        SELECT id, private_key, created_at, retires_at FROM signing_keys
        WHERE algorithm = ? AND (retires_at IS NULL OR retires_at > ?) ORDER BY created_at DESC, id
        """
    /// Retires the keys of one algorithm (retirement, algorithm, retirement).
    public static let retireSigningKeys = """
        UPDATE signing_keys SET retires_at = ? WHERE algorithm = ? AND (retires_at IS NULL OR retires_at > ?)
        """
    /// (id, algorithm, private key, now).
    public static let insertSigningKey = """
        INSERT INTO signing_keys (id, algorithm, private_key, created_at, retires_at) VALUES (?, ?, ?, ?, NULL)
        """

    public static func signingKey(from row: some StoreRow) throws -> StoredSigningKey {
        StoredSigningKey(
            id: try row.text("id"), privateKey: try row.text("private_key"),
            createdAt: Date(milliseconds: try row.int64("created_at")),
            retiresAt: row.optionalInt64("retires_at").map(Date.init(milliseconds:)))
    }
}

public struct StoredSigningKey: Sendable, Equatable {
    public let id: String
    /// PEM.
    public let privateKey: String
    public let createdAt: Date
    public let retiresAt: Date?

    public init(id: String, privateKey: String, createdAt: Date, retiresAt: Date?) {
        self.id = id
        self.privateKey = privateKey
        self.createdAt = createdAt
        self.retiresAt = retiresAt
    }
}

/// Everything the server needs from its database.
public typealias Store = AccountStore & LoopStore & MessageStore & EventStore & SecretStore & ImageCacheStore
    & StatisticsStore & ProfileStore & SubprofileStore & DeliveryStore & SigningKeyStore & InboundMailStore
    & DashboardSessionStore & DashboardUserStore & SignInFailureStore & ClusterStore & DKIMKeyStore
    & SuppressionStore & ErasureStore & AccountSettingsStore & RelayQueueStore
    & QueueDepthStore
    & StoreConnection

public enum StoreError: Error, Equatable, CustomStringConvertible {
    case notFound
    case conflict
    case newerSchema(found: Int, supported: Int)
    case unsupportedLocation(String)
    case corrupt(String)
    /// The database server cannot be reached, or refused us: the reason, in one line.
    case unavailable(String)

    public var description: String {
        switch self {
        case .notFound:
            "not found"
        case .conflict:
            "changed by another request at the same time; try again"
        case .newerSchema(let found, let supported):
            "the database was written by a newer version of ricochet (schema version \(found); this version knows up to \(supported)); upgrade ricochet or use another database"
        case .unsupportedLocation(let location):
            "unsupported database '\(location)'; use sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB"
        case .corrupt(let detail):
            "unexpected data in the database: \(detail)"
        case .unavailable(let reason):
            reason
        }
    }
}
