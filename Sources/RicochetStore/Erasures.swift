import Foundation
import RicochetCore
import Synchronization

/// Erasing what an account holds about one person, and the audit list of
/// erasures.
public protocol ErasureStore: Sendable {
    /// Empties the account's messages to `address` (normalised) and all that
    /// hangs off them — events, delivery bodies, attempt logs, relayed copies
    /// and submissions — of the address and the IPs and user agents seen
    /// with it; removes returned mail that names it and its soft bounces;
    /// keeps its suppression entry as `key` (``ErasedAddress``) and its
    /// suppression events with `key` in place of the address. One
    /// transaction. Safe to run again: it counts only what it changed.
    /// `messages` are messages an earlier run emptied (whose events may
    /// have been recorded since); the answer holds every message it handled.
    func erase(_ address: String, account: Account.ID, key: String, messages: [String]) async throws
        -> ErasurePass
    func insert(_ erasure: StoredErasure) async throws
    /// The account's erasures, newest first; `before` is the id the previous page ended with.
    func erasures(of account: Account.ID, before: String?, limit: Int) async throws -> [StoredErasure]
}

/// What one run of an erasure did, and the messages it handled.
public struct ErasurePass: Sendable {
    public let counts: ErasureCounts
    public let messages: [String]

    public init(counts: ErasureCounts, messages: [String]) {
        self.counts = counts
        self.messages = messages
    }
}

/// An erasure as the audit list keeps it: when, what it changed, and the
/// address only as its key.
public struct StoredErasure: Sendable, Equatable {
    /// `era_` and a time-ordered id.
    public let id: String
    public let accountID: Account.ID
    public let addressKey: String
    public let counts: ErasureCounts
    public let createdAt: Date

    public init(id: String, accountID: Account.ID, addressKey: String, counts: ErasureCounts, createdAt: Date) {
        self.id = id
        self.accountID = accountID
        self.addressKey = addressKey
        self.counts = counts
        self.createdAt = createdAt
    }

    public init(account: Account.ID, addressKey: String, counts: ErasureCounts, now: Date) {
        let now = Date(milliseconds: now.milliseconds)
        self.init(
            id: TimeOrderedID.make("era_", at: now), accountID: account, addressKey: addressKey, counts: counts,
            createdAt: now)
    }
}

/// A store's ``ErasedAddress``, read from its secrets once.
public final class ErasedAddressCache: Sendable {
    private let value = Mutex<ErasedAddress?>(nil)

    public init() {}

    /// The installation's ``ErasedAddress`` (its secret is made the first time).
    public func erasedAddress(in store: some SecretStore) async throws -> ErasedAddress {
        if let known = value.withLock({ $0 }) { return known }
        let made = ErasedAddress(secret: try await store.secret(named: "erasure"))
        value.withLock { $0 = made }
        return made
    }

    /// What an address is looked up by on the suppression list: itself, and
    /// the key it is kept under once erased.
    public func suppressionKeys(of address: String, in store: some SecretStore) async throws -> [String] {
        [address, try await erasedAddress(in: store).key(for: address)]
    }
}

/// Reads of either backend, for work written once for both (``Erasure``).
public protocol StoreReader: Sendable {
    func rows(_ sql: String, _ binds: [CopiedValue]) async throws -> [any StoreRow]
}

/// Statements of one transaction of either backend, for work written once
/// for both (``Erasure``).
public protocol StoreTransaction: StoreReader {
    func run(_ sql: String, _ binds: [CopiedValue]) async throws
    /// The SQL of the text at `key` of the JSON text in `column`.
    func jsonText(_ column: String, _ key: String) -> String
}

/// The erasure itself, on either backend (``ErasureStore/erase(_:account:key:messages:)``).
public enum Erasure {
    /// Ids a statement, in `IN (...)` lists.
    static let chunk = 500
    /// Returned mail read a page at a time.
    static let mailPage = 200

    /// The returned mail that names `address`, read outside the erasure's
    /// transaction (a read of every stored mail must not hold the writer).
    public static func returnedMail(naming address: String, on reader: some StoreReader) async throws -> [Int64] {
        let redactor = PersonalDataRedactor([address])
        var found: [Int64] = []
        var after: Int64 = 0
        while true {
            let page = try await reader.rows(
                "SELECT seq, mail_from, rcpt_to, data FROM inbound_mail WHERE seq > ? ORDER BY seq LIMIT \(mailPage)",
                [.integer(after)])
            for row in page {
                let seq = try row.int64("seq")
                let envelope =
                    Array((row.optionalText("mail_from") ?? "").utf8) + Array((row.optionalText("rcpt_to") ?? "").utf8)
                if redactor.contains(row.optionalBlob("data") ?? []) || redactor.contains(envelope) {
                    found.append(seq)
                }
                after = seq
            }
            if page.count < mailPage { return found }
        }
    }

    /// - Parameter returnedMail: what ``returnedMail(naming:on:)`` found, removed here.
    public static func run(
        _ address: String, account: Account.ID, key: String, messages earlier: [String], returnedMail: [Int64],
        on transaction: some StoreTransaction
    ) async throws -> ErasurePass {
        var counts = ErasureCounts()
        let messages = try await transaction.rows(
            "SELECT id, recipient FROM messages WHERE account_id = ? AND lower(recipient) = ?",
            [.text(account), .text(address)])
        let found = try messages.map { try $0.text("id") }
        let messageIDs = found + earlier.filter { !found.contains($0) }
        let spellings = try messages.map { try $0.text("recipient") }
        counts.messages = found.count

        // The events of those messages, and what they say about where the person was.
        var events: [(seq: Int64, text: String, variables: PayloadValue)] = []
        for ids in messageIDs.chunked(chunk) {
            for row in try await transaction.rows(
                "SELECT seq, variables FROM events WHERE message_id IN (\(placeholders(ids.count)))",
                ids.map(CopiedValue.text))
            {
                let text = try row.text("variables")
                events.append(
                    (try row.int64("seq"), text, (try? JSONPayloadDecoder.decode(Array(text.utf8))) ?? .null))
            }
        }
        let redactor = PersonalDataRedactor(
            [address] + spellings + events.flatMap { PersonalDataRedactor.traces(in: $0.variables) })

        // Only what changes is written and counted: a second run finds what
        // was recorded after the first.
        var redacted: [Int64: PayloadValue] = [:]
        for event in events {
            let variables = redactor.messageEvent(event.variables)
            let text = JSONPayloadEncoder.encode(variables)
            guard text != event.text else { continue }
            redacted[event.seq] = variables
            try await transaction.run(
                "UPDATE events SET variables = ? WHERE seq = ?", [.text(text), .integer(event.seq)])
        }

        // The suppression list's own events name the address: they keep the key.
        for row in try await transaction.rows(
            """
            SELECT seq, variables FROM events WHERE account_id = ? AND type IN ('suppression.create', 'suppression.delete')
            AND lower(\(transaction.jsonText("variables", "address"))) = ?
            """, [.text(account), .text(address)])
        {
            guard case .object(var fields) = try JSONPayloadDecoder.decode(Array(try row.text("variables").utf8)) else {
                continue
            }
            fields["address"] = .string(key)
            let seq = try row.int64("seq")
            let variables = redactor.value(.object(fields))
            redacted[seq] = variables
            try await transaction.run(
                "UPDATE events SET variables = ? WHERE seq = ?",
                [.text(JSONPayloadEncoder.encode(variables)), .integer(seq)])
        }
        counts.events = redacted.count

        // Delivery bodies kept for form loops are made again from the emptied
        // variables; a JSON body is the variables themselves.
        var deliveryIDs: [String] = []
        for seqs in Array(redacted.keys).chunked(chunk) {
            for row in try await transaction.rows(
                "SELECT id, event_seq, format, body FROM deliveries WHERE event_seq IN (\(placeholders(seqs.count)))",
                seqs.map(CopiedValue.integer))
            {
                let id = try row.text("id")
                deliveryIDs.append(id)
                guard row.optionalBlob("body") != nil, let variables = redacted[try row.int64("event_seq")] else {
                    continue
                }
                let body: CopiedValue =
                    try row.text("format") == PayloadFormat.form.rawValue
                    ? .bytes(Array(PayloadFormat.form.encode(variables).utf8)) : .null
                try await transaction.run("UPDATE deliveries SET body = ? WHERE id = ?", [body, .text(id)])
            }
        }
        counts.deliveries = deliveryIDs.count

        // What the receivers answered may quote it too.
        for ids in deliveryIDs.chunked(chunk) {
            for row in try await transaction.rows(
                """
                SELECT id, error, response_headers, response_body, request_headers FROM delivery_attempts
                WHERE delivery_id IN (\(placeholders(ids.count)))
                """, ids.map(CopiedValue.text))
            {
                let before: [CopiedValue] = [
                    row.optionalText("error").map(CopiedValue.text) ?? .null,
                    .text(try row.text("response_headers")), .bytes(row.optionalBlob("response_body") ?? []),
                    row.optionalText("request_headers").map(CopiedValue.text) ?? .null,
                ]
                let after = before.map { redactor.value($0) }
                guard after != before else { continue }
                try await transaction.run(
                    """
                    UPDATE delivery_attempts SET error = ?, response_headers = ?, response_body = ?, request_headers = ?
                    WHERE id = ?
                    """,
                    after + [.integer(try row.int64("id"))])
                counts.attempts += 1
            }
        }

        // The messages themselves, and their relayed copies and submissions.
        var submissions = Set<String>()
        for ids in messageIDs.chunked(chunk) {
            let list = placeholders(ids.count)
            for row in try await transaction.rows(
                "SELECT id, links, message_id_header FROM messages WHERE id IN (\(list)) AND recipient <> ''",
                ids.map(CopiedValue.text))
            {
                try await transaction.run(
                    "UPDATE messages SET recipient = '', links = ?, message_id_header = ? WHERE id = ?",
                    [
                        .text(redactor.text(try row.text("links"))),
                        row.optionalText("message_id_header").map { .text(redactor.text($0)) } ?? .null,
                        .text(try row.text("id")),
                    ])
            }
            for row in try await transaction.rows(
                "SELECT id, submission_id, last_reply FROM relay_copies WHERE message_id IN (\(list)) AND recipient <> ''",
                ids.map(CopiedValue.text))
            {
                submissions.insert(try row.text("submission_id"))
                // A copy not sent yet is not sent at all: its address is gone.
                try await transaction.run(
                    """
                    UPDATE relay_copies SET recipient = '', last_reply = ?,
                        status = CASE WHEN status = 'queued' THEN 'failed' ELSE status END
                    WHERE id = ?
                    """,
                    [
                        row.optionalText("last_reply").map { .text(redactor.text($0)) } ?? .null,
                        .text(try row.text("id")),
                    ])
                counts.relayCopies += 1
            }
        }
        for ids in Array(submissions).chunked(chunk) {
            for row in try await transaction.rows(
                "SELECT id, mail_from, data FROM relay_submissions WHERE id IN (\(placeholders(ids.count)))",
                ids.map(CopiedValue.text))
            {
                try await transaction.run(
                    "UPDATE relay_submissions SET mail_from = ?, data = ? WHERE id = ?",
                    [
                        .text(redactor.text(try row.text("mail_from"))),
                        .bytes(redactor.bytes(row.optionalBlob("data") ?? [])), .text(try row.text("id")),
                    ])
                counts.relaySubmissions += 1
            }
        }

        // Returned mail that names it goes: its events keep what it said.
        for seqs in returnedMail.chunked(chunk) {
            counts.returnedMail +=
                try await transaction.rows(
                    "DELETE FROM inbound_mail WHERE seq IN (\(placeholders(seqs.count))) RETURNING seq",
                    seqs.map(CopiedValue.integer)
                ).count
        }

        let soft = try await transaction.rows(
            "DELETE FROM soft_bounces WHERE account_id = ? AND address = ? RETURNING account_id",
            [.text(account), .text(address)])
        counts.softBounces = soft.count

        // The entry stays, as its key: the person stays unsubscribed.
        let keyed = try await transaction.rows(
            "SELECT id FROM suppressions WHERE account_id = ? AND address = ?", [.text(account), .text(key)])
        if keyed.isEmpty {
            counts.suppressions =
                try await transaction.rows(
                    "UPDATE suppressions SET address = ? WHERE account_id = ? AND address = ? RETURNING id",
                    [.text(key), .text(account), .text(address)]
                ).count
        } else {
            counts.suppressions =
                try await transaction.rows(
                    "DELETE FROM suppressions WHERE account_id = ? AND address = ? RETURNING id",
                    [.text(account), .text(address)]
                ).count
        }
        return ErasurePass(counts: counts, messages: messageIDs)
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}

extension PersonalDataRedactor {
    /// A column's value, redacted.
    func value(_ value: CopiedValue) -> CopiedValue {
        switch value {
        case .text(let text): .text(self.text(text))
        case .bytes(let bytes): .bytes(self.bytes(bytes))
        default: value
        }
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

extension StoredRecord {
    public static let erasureColumns = "id, account_id, address_key, counts, created_at"

    public static func erasure(from row: some StoreRow) throws -> StoredErasure {
        let id = try row.text("id")
        guard let counts = try? JSONDecoder().decode(ErasureCounts.self, from: Data(try row.text("counts").utf8)) else {
            throw StoreError.corrupt("erasure \(id): counts")
        }
        return StoredErasure(
            id: id, accountID: try row.text("account_id"), addressKey: try row.text("address_key"), counts: counts,
            createdAt: Date(milliseconds: try row.int64("created_at")))
    }

    public static func countsColumn(_ counts: ErasureCounts) -> String {
        String(decoding: (try? JSONEncoder().encode(counts)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
