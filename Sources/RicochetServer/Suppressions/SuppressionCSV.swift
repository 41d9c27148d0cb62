import Foundation
import RicochetCore
import RicochetStore

/// A suppression list as CSV, for carrying it to and from other platforms.
///
/// Export writes `address,reason,created_at,expires_at,event`, one entry a
/// line, newest first. Import reads a header line that names an `address`
/// (or `email`) column and, optionally, `reason` (`manual` when left out or
/// empty) and `expires_at` (RFC 3339; for good when empty); other columns
/// are ignored, so an export of this list or another platform's reads
/// as it is. Every line must be good, or nothing is imported.
enum SuppressionCSV {
    static let header = ["address", "reason", "created_at", "expires_at", "event"]
    /// Problems named in a refusal, at most.
    static let problemsShown = 20

    /// Entries read a page at a time for an export.
    static let exportPage = 1000

    /// Writes the account's whole list, the header first, a page of lines
    /// at a time, newest first.
    static func export(
        from store: some SuppressionStore, account: Account.ID, write: (String) async throws -> Void
    ) async throws {
        try await write(CSV.line(header))
        var before: String?
        while true {
            let page = try await store.suppressions(of: account, reason: nil, before: before, limit: exportPage)
            if !page.isEmpty { try await write(page.map(line).joined()) }
            guard page.count == exportPage else { return }
            before = page.last?.id
        }
    }

    static func line(_ entry: StoredSuppression) -> String {
        CSV.line([
            entry.address, entry.reason.rawValue, RFC3339.string(entry.createdAt),
            entry.expiresAt.map(RFC3339.string) ?? "", entry.eventID ?? "",
        ])
    }

    /// Why a file cannot be imported: its problems, by line.
    struct Refusal: Error {
        let problems: [CSV.Problem]
    }

    /// The entries a file asks for, made at `now`; a later line for the same
    /// address wins.
    static func entries(_ text: String, account: Account.ID, now: Date) throws(Refusal) -> [StoredSuppression] {
        let records: [(line: Int, fields: [String])]
        do {
            records = try CSV.records(text)
        } catch {
            throw Refusal(problems: [error])
        }
        guard let head = records.first else {
            throw Refusal(problems: [
                CSV.Problem(line: 1, message: "the file is empty; the first line names the columns")
            ])
        }
        let names = head.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let addressColumn = names.firstIndex(of: "address") ?? names.firstIndex(of: "email") else {
            throw Refusal(problems: [
                CSV.Problem(line: head.line, message: "the first line must name the columns, one of them address")
            ])
        }
        let reasonColumn = names.firstIndex(of: "reason")
        let expiryColumn = names.firstIndex(of: "expires_at")
        var problems: [CSV.Problem] = []
        var byAddress: [String: StoredSuppression] = [:]
        var order: [String] = []
        for record in records.dropFirst() {
            func field(_ column: Int?) -> String {
                guard let column, column < record.fields.count else { return "" }
                return record.fields[column].trimmingCharacters(in: .whitespaces)
            }
            let address = field(addressColumn)
            guard let key = SuppressedAddress.normalised(address) else {
                problems.append(
                    CSV.Problem(line: record.line, message: "'\(address.prefix(100))' is not an email address"))
                continue
            }
            let reasonText = field(reasonColumn)
            guard let reason = reasonText.isEmpty ? .manual : SuppressionReason(rawValue: reasonText) else {
                let known = SuppressionReason.allCases.map(\.rawValue).joined(separator: ", ")
                problems.append(
                    CSV.Problem(line: record.line, message: "reason '\(reasonText.prefix(40))' is not one of \(known)"))
                continue
            }
            let expiryText = field(expiryColumn)
            var expiresAt: Date?
            if !expiryText.isEmpty {
                guard let date = RFC3339.parse(expiryText) else {
                    problems.append(
                        CSV.Problem(
                            line: record.line, message: "expires_at '\(expiryText.prefix(40))' is not an RFC 3339 time")
                    )
                    continue
                }
                expiresAt = RFC3339.clamped(date)
            }
            if byAddress[key] == nil { order.append(key) }
            byAddress[key] = StoredSuppression(
                address: key, account: account, reason: reason, eventID: nil, now: now, expiresAt: expiresAt)
        }
        guard problems.isEmpty else { throw Refusal(problems: problems) }
        return order.compactMap { byAddress[$0] }
    }
}
