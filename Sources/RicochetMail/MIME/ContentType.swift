/// A Content-Type value: `type/subtype; name=value; …`, names lowercased,
/// quoted values unquoted. Missing or unreadable: text/plain.
public struct ContentType: Sendable, Equatable {
    public let type: String
    public let subtype: String
    public let parameters: [String: String]

    public var mimeType: String { type + "/" + subtype }
    public var isMultipart: Bool { type == "multipart" }

    public static let plainText = ContentType(type: "text", subtype: "plain", parameters: [:])

    public init(type: String, subtype: String, parameters: [String: String]) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
    }

    public init(_ value: String?) {
        guard let value else {
            self = .plainText
            return
        }
        var pieces = Self.split(value)
        var mime = pieces.isEmpty ? "" : pieces.removeFirst().lowercased()
        // A missing semicolon ("text/plain charset=x"): the type ends at the first space.
        if let space = mime.firstIndex(where: { $0 == " " || $0 == "\t" }) {
            pieces.insert(String(mime[space...]).trimmingSpaces(), at: 0)
            mime = String(mime[..<space])
        }
        let slash = mime.firstIndex(of: "/")
        let type = slash.map { String(mime[..<$0]) } ?? mime
        let subtype = slash.map { String(mime[mime.index(after: $0)...]) } ?? ""
        var parameters: [String: String] = [:]
        for piece in pieces {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let name = String(piece[..<equals]).trimmingSpaces().lowercased()
            var parameter = String(piece[piece.index(after: equals)...]).trimmingSpaces()
            if parameter.count >= 2, parameter.hasPrefix("\""), parameter.hasSuffix("\"") {
                parameter = String(parameter.dropFirst().dropLast())
            }
            if parameters[name] == nil { parameters[name] = parameter }
        }
        if type.isEmpty || subtype.isEmpty || type.contains(" ") {
            self.init(type: "text", subtype: "plain", parameters: parameters)
        } else {
            self.init(type: type.trimmingSpaces(), subtype: subtype.trimmingSpaces(), parameters: parameters)
        }
    }

    /// Splits at semicolons outside quotes.
    private static func split(_ value: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var quoted = false
        for character in value {
            if character == "\"" { quoted.toggle() }
            if character == ";", !quoted {
                pieces.append(current.trimmingSpaces())
                current = ""
            } else {
                current.append(character)
            }
        }
        pieces.append(current.trimmingSpaces())
        return pieces.filter { !$0.isEmpty }
    }
}
