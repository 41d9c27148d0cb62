/// A command line split into its verb (uppercased) and argument, with the
/// path and parameters of MAIL and RCPT read the tolerant way: `FROM:<a>`,
/// `FROM: <a>` and `FROM:a` all name `a`.
struct SMTPCommandLine {
    let verb: String
    let argument: String

    init(_ line: ArraySlice<UInt8>) {
        let text = String(decoding: line, as: UTF8.self)
        let trimmed = text.trimmingSpaces()
        if let space = trimmed.firstIndex(of: " ") {
            verb = trimmed[..<space].uppercased()
            argument = trimmed[trimmed.index(after: space)...].trimmingSpaces()
        } else {
            verb = trimmed.uppercased()
            argument = ""
        }
    }

    /// The address after `keyword` (`FROM:` or `TO:`): empty for `<>`, nil
    /// when the syntax is wrong.
    func path(after keyword: String) -> String? {
        guard argument.uppercased().hasPrefix(keyword) else { return nil }
        let rest = argument.dropFirst(keyword.count).trimmingSpaces()
        if rest.hasPrefix("<") {
            guard let close = rest.firstIndex(of: ">") else { return nil }
            var path = String(rest[rest.index(after: rest.startIndex)..<close])
            // A source route (<@a,@b:user@host>) is ignored, as RFC 5321 allows.
            if path.hasPrefix("@"), let colon = path.firstIndex(of: ":") {
                path = String(path[path.index(after: colon)...])
            }
            return Self.valid(path) ? path : nil
        }
        let path = rest.split(separator: " ").first.map(String.init) ?? ""
        return !path.isEmpty && Self.valid(path) ? path : nil
    }

    /// A `NAME=value` parameter after the path.
    func parameter(_ name: String) -> String? {
        let words = argument.split(separator: " ").dropFirst()
        for word in words {
            let pieces = word.split(separator: "=", maxSplits: 1)
            if pieces.count == 2, pieces[0].uppercased() == name { return String(pieces[1]) }
        }
        return nil
    }

    /// Empty (the null path) or `local@domain` without spaces or controls.
    private static func valid(_ path: String) -> Bool {
        if path.isEmpty { return true }
        guard path.utf8.count <= 320, let at = path.lastIndex(of: "@"), at != path.startIndex,
            path.index(after: at) != path.endIndex
        else { return false }
        return !path.unicodeScalars.contains { $0.value <= 32 || $0.value == 127 || $0 == "<" || $0 == ">" }
    }
}
