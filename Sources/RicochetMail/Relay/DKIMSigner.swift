import Crypto
import Foundation
import RicochetCore

/// Signs a message with DKIM (RFC 6376): relaxed/relaxed canonicalization,
/// SHA-256, by an RSA or Ed25519 key. The signature goes first in the header.
public enum DKIMSigner {
    /// The fields signed when present, each instance of them; `From` is
    /// signed once more than it occurs, so that none can be added.
    public static let signedFields = [
        "From", "Sender", "Reply-To", "Subject", "Date", "Message-ID", "To", "Cc", "MIME-Version", "Content-Type",
        "Content-Transfer-Encoding", "In-Reply-To", "References", "List-Id", "List-Unsubscribe",
        "List-Unsubscribe-Post", "X-Ricochet-Message",
    ]

    public static func sign(_ message: [UInt8], with key: DKIMKey, at time: Date) throws -> [UInt8] {
        let (fields, bodyStart) = try SubmittedPart.header(of: message)
        let bodyHash = Data(SHA256.hash(data: relaxedBody(message[bodyStart...]))).base64EncodedString()
        // The fields in the order they are signed: for each name, its
        // instances from the last up (RFC 6376 §5.4.2).
        var names: [String] = []
        var signed: [SubmittedPart.Field] = []
        for name in signedFields {
            let instances = fields.filter { $0.name.caseInsensitiveEquals(name) }
            for field in instances.reversed() {
                names.append(name)
                signed.append(field)
            }
            if name == "From" { names.append(name) }
        }
        var header =
            "DKIM-Signature: v=1; a=\(key.algorithm.signatureAlgorithm); c=relaxed/relaxed; d=\(key.domain);"
            + " s=\(key.selector); t=\(Int(time.timeIntervalSince1970));\r\n\th=\(names.joined(separator: ":"));"
            + "\r\n\tbh=\(bodyHash);\r\n\tb="
        var data: [UInt8] = []
        for field in signed { data += relaxedField(message[field.range]) + [13, 10] }
        data += relaxedField(Array(header.utf8)[...])
        let signature = try key.sign(data).base64(wrappedAt: 72, indent: "\r\n\t")
        header += signature + "\r\n"
        return Array(header.utf8) + message
    }

    /// `name:value` with the name lowercased, the value unfolded, runs of
    /// white space made one space and none at either end (§3.4.2).
    static func relaxedField(_ field: ArraySlice<UInt8>) -> [UInt8] {
        guard let colon = field.firstIndex(of: UInt8(ascii: ":")) else { return [] }
        var output: [UInt8] = field[..<colon].map(MailText.lower)
        while output.last == 32 || output.last == 9 { output.removeLast() }
        output.append(UInt8(ascii: ":"))
        var pendingSpace = false
        for byte in field[(colon + 1)...] {
            switch byte {
            case 13, 10:
                continue
            case 32, 9:
                pendingSpace = true
            default:
                if pendingSpace, output.last != UInt8(ascii: ":") { output.append(32) }
                pendingSpace = false
                output.append(byte)
            }
        }
        return output
    }

    /// Each line's runs of white space made one space and trailing white
    /// space removed, empty lines at the end removed, the last line ending
    /// CRLF; an empty body stays empty (§3.4.4).
    static func relaxedBody(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(body.count)
        var pendingEmptyLines = 0
        for line in body.split(separator: 10, omittingEmptySubsequences: false).dropLastIfEmpty() {
            var text: [UInt8] = []
            var pendingSpace = false
            for byte in line where byte != 13 {
                if byte == 32 || byte == 9 {
                    pendingSpace = true
                } else {
                    if pendingSpace { text.append(32) }
                    pendingSpace = false
                    text.append(byte)
                }
            }
            if text.isEmpty {
                pendingEmptyLines += 1
                continue
            }
            for _ in 0..<pendingEmptyLines { output += [13, 10] }
            pendingEmptyLines = 0
            output += text + [13, 10]
        }
        return output
    }
}

extension Array where Element == ArraySlice<UInt8> {
    /// Without the empty piece that follows a final line break.
    fileprivate func dropLastIfEmpty() -> ArraySlice<ArraySlice<UInt8>> {
        last?.isEmpty == true ? dropLast() : self[...]
    }
}

extension Array where Element == UInt8 {
    /// Base64 in lines of `width`, each after the first preceded by `indent`
    /// (folding white space, which the signature's verifier ignores).
    fileprivate func base64(wrappedAt width: Int, indent: String) -> String {
        let text = Data(self).base64EncodedString()
        var lines: [Substring] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            lines.append(rest.prefix(width))
            rest = rest.dropFirst(width)
        }
        return lines.joined(separator: indent)
    }
}
