import Foundation
import OrderedCollections
import RicochetCore
import RicochetDelivery

/// The test tool's form: rows of variables or a raw body, and what the
/// loop answered.
struct TestTool {
    var rows: [(key: String, value: String)] = [(key: "type", value: "test")]
    var raw = false
    var body = ""
    var contentType = ""
    var result: OutboundResponse?
    var error: String?

    init() {}

    init(form: FormBody) {
        let keys = form.all("key")
        let values = form.all("value")
        rows = zip(keys, values).map { (key: $0, value: $1) }
        if rows.isEmpty { rows = [(key: "", value: "")] }
        raw = form["mode"] == "raw"
        body = form["body"] ?? ""
        contentType = form["content_type"] ?? ""
    }

    /// The body to send and its content type: the rows in the loop's format,
    /// or the raw body as written.
    func request(format: PayloadFormat) throws -> (String, String) {
        if raw {
            let type = contentType.trimmingCharacters(in: .whitespaces)
            return (body, type.isEmpty ? LoopSigning.contentType(format) : try LoopInput.contentType(type))
        }
        var fields: OrderedDictionary<String, PayloadValue> = [:]
        for row in rows where !row.key.isEmpty { fields[row.key] = .string(row.value) }
        guard !fields.isEmpty else {
            throw APIError.badRequest("Give at least one variable a name, or send a raw body.", code: "invalid_field")
        }
        return (format.encode(.object(fields)), LoopSigning.contentType(format))
    }

    var view: [String: Any] {
        var view: [String: Any] = [
            "raw": raw, "body": body, "contentType": contentType,
            "rows": rows.enumerated().map { index, row in
                ["index": index, "number": index + 1, "key": row.key, "value": row.value] as [String: Any]
            },
        ]
        if let error { view["error"] = error }
        if let result {
            view["result"] =
                [
                    "status": result.status, "ok": (200..<300).contains(result.status),
                    "duration": result.durationMilliseconds, "truncated": result.truncated, "body": result.bodyText,
                    "headers": result.headers.map { ["name": $0.name, "value": $0.value] },
                ] as [String: Any]
        }
        return view
    }
}
