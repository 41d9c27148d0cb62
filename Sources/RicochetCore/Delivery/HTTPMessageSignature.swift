import Crypto
import Foundation

/// HTTP Message Signatures (RFC 9421) of requests, with Ed25519 (§3.3.6):
/// the signature base (§2.5) of the covered components, the
/// `Signature-Input` and `Signature` fields under one label, and checking
/// them. Derived components: `@method`, `@target-uri`, `@authority`,
/// `@scheme`, `@path`, `@query`; any other component is a header field,
/// its values joined with ", " (§2.1).
public enum HTTPMessageSignature {
    /// The label the deliveries' signatures go under.
    public static let label = "ricochet"
    /// What a delivery covers: enough to bind the body (by its digest), the
    /// receiver and the delivery's id to the signature.
    public static let deliveryComponents = ["@method", "@target-uri", "content-digest", "content-type", "webhook-id"]
    /// How far `created` may be from the receiver's clock when checked.
    public static let tolerance: TimeInterval = 5 * 60

    /// A request as the signature sees it.
    public struct Request: Sendable {
        public var method: String
        public var targetURI: String
        public var headers: [(name: String, value: String)]

        public init(method: String, targetURI: String, headers: [(name: String, value: String)]) {
            self.method = method
            self.targetURI = targetURI
            self.headers = headers
        }
    }

    public enum Failure: Error, Equatable, Sendable {
        /// A covered component the request does not have.
        case missingComponent(String)
        case malformed(String)
        case unknownKey(String)
        case wrongAlgorithm(String)
        case createdOutOfTolerance
        case digestMismatch
        case signatureMismatch
    }

    /// The signature parameters as serialized in `Signature-Input` and as
    /// the last line of the base: `("@method" …);created=…;keyid="…";alg="ed25519"`.
    public static func parameters(components: [String], created: Int64, keyID: String, algorithm: String? = "ed25519")
        -> String
    {
        var text = "(" + components.map { "\"\($0)\"" }.joined(separator: " ") + ");created=\(created)"
        text += ";keyid=\"\(keyID)\""
        if let algorithm { text += ";alg=\"\(algorithm)\"" }
        return text
    }

    /// The signature base (§2.5): one line a component, then `@signature-params`.
    public static func base(components: [String], parameters: String, request: Request) throws(Failure) -> String {
        var lines: [String] = []
        for component in components {
            lines.append("\"\(component)\": " + (try value(of: component, in: request)))
        }
        lines.append("\"@signature-params\": " + parameters)
        return lines.joined(separator: "\n")
    }

    /// `Signature-Input` and `Signature` for `request`, signed by `key`.
    public static func sign(
        _ request: Request, components: [String] = deliveryComponents, key: Curve25519.Signing.PrivateKey,
        keyID: String, created: Int64, label: String = label
    ) throws -> (input: String, signature: String) {
        let parameters = parameters(components: components, created: created, keyID: keyID)
        let base = try base(components: components, parameters: parameters, request: request)
        let signature = try key.signature(for: Array(base.utf8))
        return ("\(label)=\(parameters)", "\(label)=:\(signature.base64EncodedString()):")
    }

    /// `Content-Digest` (RFC 9530) of a body: `sha-256=:…:`.
    public static func contentDigest(_ body: [UInt8]) -> String {
        "sha-256=:" + Data(SHA256.hash(data: body)).base64EncodedString() + ":"
    }

    /// Checks the signature under `label` against the keys by id, that it
    /// covers `required`, that `created` is within ``tolerance`` of `now`,
    /// and, given the body, that `Content-Digest` is its digest.
    public static func verify(
        _ request: Request, body: [UInt8]?, keys: [String: Curve25519.Signing.PublicKey], label: String = label,
        required: [String] = deliveryComponents, now: Date
    ) throws(Failure) {
        guard let inputField = field("signature-input", in: request),
            let signatureField = field("signature", in: request)
        else { throw .missingComponent("signature-input or signature") }
        guard let input = dictionaryMember(label, of: inputField) else {
            throw .malformed("no signature labelled \(label)")
        }
        let (components, parameters) = try parseInnerList(input)
        for component in required where !components.contains(component) {
            throw .missingComponent(component)
        }
        guard case .string(let keyID)? = parameters["keyid"] else { throw .malformed("keyid") }
        guard let key = keys[keyID] else { throw .unknownKey(keyID) }
        if let algorithm = parameters["alg"], algorithm != .string("ed25519") {
            throw .wrongAlgorithm("\(algorithm)")
        }
        guard case .integer(let created)? = parameters["created"] else { throw .malformed("created") }
        guard abs(now.timeIntervalSince1970 - Double(created)) <= tolerance else { throw .createdOutOfTolerance }
        guard let encoded = dictionaryMember(label, of: signatureField), encoded.count > 2, encoded.hasPrefix(":"),
            encoded.hasSuffix(":"), let signature = Data(base64Encoded: String(encoded.dropFirst().dropLast()))
        else { throw .malformed("signature") }
        if let body, components.contains("content-digest"), field("content-digest", in: request) != contentDigest(body)
        {
            throw .digestMismatch
        }
        // The base is rebuilt from the parameters exactly as they were sent.
        let base = try base(components: components, parameters: String(input), request: request)
        guard key.isValidSignature(signature, for: Array(base.utf8)) else { throw .signatureMismatch }
    }

    /// The `keyid` of the signature under `label`, if there is one to read.
    public static func keyID(of request: Request, label: String = label) -> String? {
        guard let input = field("signature-input", in: request).flatMap({ dictionaryMember(label, of: $0) }),
            case .string(let id)? = try? parseInnerList(input).1["keyid"]
        else { return nil }
        return id
    }

    // MARK: Components

    static func value(of component: String, in request: Request) throws(Failure) -> String {
        guard component.hasPrefix("@") else {
            guard let value = field(component, in: request) else { throw .missingComponent(component) }
            return value
        }
        // The two a delivery covers need no parsing of the URI.
        switch component {
        case "@method": return request.method.uppercased()
        case "@target-uri": return request.targetURI
        default: break
        }
        guard let url = URLComponents(string: request.targetURI), let scheme = url.scheme, let host = url.host
        else { throw .malformed("target URI \(request.targetURI)") }
        switch component {
        case "@scheme": return scheme.lowercased()
        case "@authority":
            let defaultPort = scheme.lowercased() == "https" ? 443 : 80
            return host.lowercased() + (url.port.map { $0 == defaultPort ? "" : ":\($0)" } ?? "")
        case "@path":
            let path = url.percentEncodedPath
            return path.isEmpty ? "/" : path
        case "@query": return "?" + (url.percentEncodedQuery ?? "")
        default: throw .missingComponent(component)
        }
    }

    /// A header field's values, without leading and trailing spaces and
    /// tabs (RFC 9110's OWS), joined with ", "; nil when absent. `name` is
    /// lower case; the request's names may be in any case.
    static func field(_ name: String, in request: Request) -> String? {
        var joined: String?
        for header in request.headers where header.name.utf8.elementsEqual(name.utf8, by: { asciiLowercased($0) == $1 })
        {
            let value = trimmedOWS(header.value)
            joined = joined.map { $0 + ", " + value } ?? value
        }
        return joined
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }

    private static func trimmedOWS(_ value: String) -> String {
        let utf8 = value.utf8
        guard let first = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
            let last = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        if first == utf8.startIndex, last == utf8.index(before: utf8.endIndex) { return value }
        return String(value[first...last])
    }

    // MARK: Structured fields (RFC 8941), the parts signatures use

    enum Parameter: Equatable, CustomStringConvertible {
        case string(String)
        case integer(Int64)
        case token(String)

        var description: String {
            switch self {
            case .string(let text): "\"\(text)\""
            case .integer(let number): "\(number)"
            case .token(let token): token
            }
        }
    }

    /// The raw text of a dictionary member (`label=value`), split at commas
    /// outside strings and inner lists.
    static func dictionaryMember(_ key: String, of field: String) -> Substring? {
        var depth = 0
        var quoted = false
        var escaped = false
        var start = field.startIndex
        var members: [Substring] = []
        for index in field.indices {
            let character = field[index]
            if quoted {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    quoted = false
                }
                continue
            }
            switch character {
            case "\"": quoted = true
            case "(": depth += 1
            case ")": depth -= 1
            case "," where depth == 0:
                members.append(field[start..<index])
                start = field.index(after: index)
            default: break
            }
        }
        members.append(field[start...])
        for member in members {
            let trimmed = member.drop { $0 == " " }
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            if trimmed[..<equals] == key { return trimmed[trimmed.index(after: equals)...] }
        }
        return nil
    }

    /// `("a" "b");name=value;…`: the component names and the parameters.
    static func parseInnerList(_ text: Substring) throws(Failure) -> ([String], [String: Parameter]) {
        var rest = text
        guard rest.first == "(" else { throw .malformed("signature input is not an inner list") }
        rest = rest.dropFirst()
        var components: [String] = []
        while true {
            rest = rest.drop { $0 == " " }
            if rest.first == ")" {
                rest = rest.dropFirst()
                break
            }
            let (string, after) = try parseString(rest)
            components.append(string)
            rest = after
        }
        var parameters: [String: Parameter] = [:]
        while rest.first == ";" {
            rest = rest.dropFirst()
            let name = rest.prefix { $0.isLetter || $0.isNumber || "_-.*".contains($0) }
            guard !name.isEmpty else { throw .malformed("parameter name") }
            rest = rest.dropFirst(name.count)
            guard rest.first == "=" else {
                parameters[String(name)] = .token("?1")
                continue
            }
            rest = rest.dropFirst()
            if rest.first == "\"" {
                let (string, after) = try parseString(rest)
                parameters[String(name)] = .string(string)
                rest = after
            } else {
                let digits = rest.prefix { $0.isNumber || $0 == "-" }
                if !digits.isEmpty, let number = Int64(digits) {
                    parameters[String(name)] = .integer(number)
                    rest = rest.dropFirst(digits.count)
                } else {
                    let token = rest.prefix { $0 != ";" && $0 != " " }
                    parameters[String(name)] = .token(String(token))
                    rest = rest.dropFirst(token.count)
                }
            }
        }
        guard rest.allSatisfy({ $0 == " " }) else { throw .malformed("after the signature parameters") }
        return (components, parameters)
    }

    /// A quoted string at the start of `text`, and what follows it.
    static func parseString(_ text: Substring) throws(Failure) -> (String, Substring) {
        guard text.first == "\"" else { throw .malformed("expected a string") }
        var result = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if character == "\\" {
                index = text.index(after: index)
                guard index < text.endIndex else { break }
                result.append(text[index])
            } else if character == "\"" {
                return (result, text[text.index(after: index)...])
            } else {
                result.append(character)
            }
            index = text.index(after: index)
        }
        throw .malformed("unterminated string")
    }
}
