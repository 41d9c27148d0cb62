import Foundation
import Hummingbird
import RicochetCore
import RicochetStore

extension SuppressionController {
    /// The most a CSV import may weigh: some million addresses.
    static var maximumImportBytes: Int { 64 * 1024 * 1024 }
    /// Entries written a transaction, with their events.
    static var importChunk: Int { 1000 }

    /// `GET /api/v1/suppressions/export`: every entry, expired ones too,
    /// newest first, written as it is read a page at a time.
    @Sendable func export(_ request: Request, context: APIRequestContext) async throws -> Response {
        let account = try context.requireAccount()
        try request.uri.queryParameters.requireOnly([])
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"suppressions.csv\""
        let store = suppressions
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await SuppressionCSV.export(from: store, account: account.id) {
                    try await writer.write(ByteBuffer(string: $0))
                }
                try await writer.finish(nil)
            })
    }

    /// `POST /api/v1/suppressions/import`: a CSV file of entries, added or
    /// replacing those of their addresses, each with its `suppression.create`
    /// event; all of them, or none when a line is not good (422
    /// `invalid_csv`, each such line named).
    @Sendable func importCSV(_ request: Request, context: APIRequestContext) async throws -> ImportView {
        let account = try context.requireAccount()
        var request = request
        let body = try await request.collectBody(limit: Self.maximumImportBytes)
        guard let text = String(validating: body.readableBytesView, as: UTF8.self) else {
            throw APIError.unprocessable("the file is not UTF-8 text", code: "invalid_csv")
        }
        let entries: [StoredSuppression]
        do {
            entries = try SuppressionCSV.entries(text, account: account.id, now: Date())
        } catch {
            let shown = error.problems.prefix(SuppressionCSV.problemsShown)
            throw APIError(
                .unprocessableContent, code: "invalid_csv",
                message:
                    "nothing was imported: \(error.problems.count) line(s) are not good, the first \(shown.first.map(\.description) ?? "")",
                details: [
                    "problems": .list(
                        shown.map { ["line": .integer(Int64($0.line)), "message": .string($0.message)] })
                ])
        }
        var imported = 0
        do {
            for start in stride(from: 0, to: entries.count, by: Self.importChunk) {
                let chunk = entries[start..<min(start + Self.importChunk, entries.count)]
                try await suppressions.insert([], suppressions: chunk.map { .suppress($0, event: $0.creationEvent()) })
                imported += chunk.count
            }
        } catch {
            // The chunks written stay written: importing the file again replaces them, it does not double them.
            throw APIError(
                .serviceUnavailable, code: "import_interrupted",
                message:
                    "\(imported) of \(entries.count) entries were imported before the database failed (\(error)); import the file again",
                details: ["imported": .integer(Int64(imported))])
        }
        return ImportView(imported: imported)
    }
}

/// What an import did.
struct ImportView: ResponseEncodable, Sendable {
    let imported: Int
}
