/// One recipient's copy of a submitted message: its text parts rewritten
/// (tracked links, the open pixel), its header edited, and every other byte
/// as the application sent it. Text is decoded from its transfer encoding
/// and charset and written back in both; a part that cannot be read and
/// written back exactly refuses the message rather than go out half-changed.
public enum TrackedCopy {
    /// The text parts that are rewritten: `text/html` and `text/plain` that
    /// are not attachments, outside enclosed messages.
    public enum TextKind: Sendable, Equatable {
        case html
        case plain
    }

    /// What changes in the message's own header: fields removed by name
    /// (lowercased), fields added after the others.
    public struct HeaderEdit: Sendable {
        public var removing: Set<String>
        public var adding: [(name: String, value: String)]

        public init(removing: Set<String> = [], adding: [(name: String, value: String)] = []) {
            self.removing = removing
            self.adding = adding
        }
    }

    /// Longest line that 7bit and 8bit text may have (RFC 5322 §2.1.1).
    static let maximumLineLength = 998

    /// The copy. `rewrite` gets each text part's text in order and returns
    /// its new text, or nil to leave the part exactly as it is; without it,
    /// no text is read (and none refuses the message).
    public static func make(
        from message: SubmittedMessage, header: HeaderEdit, rewrite: ((TextKind, String) -> String?)? = nil
    ) throws(MIMERefusal) -> [UInt8] {
        var writer = Writer(bytes: message.bytes)
        try writer.write(message.root, path: [], header: header, rewrite: rewrite)
        return writer.output
    }

    private struct Writer {
        let bytes: [UInt8]
        var output: [UInt8] = []

        init(bytes: [UInt8]) {
            self.bytes = bytes
            output.reserveCapacity(bytes.count + bytes.count / 4 + 512)
        }

        mutating func write(
            _ part: SubmittedPart, path: [Int], header: HeaderEdit?, rewrite: ((TextKind, String) -> String?)?
        ) throws(MIMERefusal) {
            if part.contentType.isMultipart {
                writeHeader(part, edit: header, transferEncoding: nil)
                for (index, child) in part.parts.enumerated() {
                    output += bytes[part.separators[index]]
                    try write(child, path: path + [index + 1], header: nil, rewrite: rewrite)
                }
                output += bytes[part.separators[part.parts.count]]
                return
            }
            guard let rewrite, let kind = Self.kind(of: part),
                let (body, encoding) = try rewritten(part, kind: kind, path: path, rewrite: rewrite)
            else {
                if header != nil {
                    writeHeader(part, edit: header, transferEncoding: nil)
                    output += bytes[part.bodyRange]
                } else {
                    output += bytes[part.range]
                }
                return
            }
            writeHeader(part, edit: header, transferEncoding: encoding == part.transferEncoding ? nil : encoding)
            output += body
        }

        static func kind(of part: SubmittedPart) -> TextKind? {
            guard part.contentType.type == "text", !part.isAttachment else { return nil }
            switch part.contentType.subtype {
            case "html": return .html
            case "plain": return .plain
            default: return nil
            }
        }

        /// The part's new body and the transfer encoding it is written in, or
        /// nil when the part stays as it is.
        func rewritten(
            _ part: SubmittedPart, kind: TextKind, path: [Int], rewrite: (TextKind, String) -> String?
        ) throws(MIMERefusal) -> ([UInt8], String)? {
            let name = "\(SubmittedPart.name(of: path)) (\(part.contentType.mimeType))"
            let raw = bytes[part.bodyRange]
            let decoded: [UInt8]
            switch part.transferEncoding {
            case "base64":
                guard TransferEncoding.isStrictBase64(raw) else { throw MIMERefusal("\(name) is not valid base64") }
                decoded = TransferEncoding.base64(raw)
            case "quoted-printable":
                decoded = TransferEncoding.quotedPrintable(raw)
            case "7bit", "8bit", "binary":
                decoded = Array(raw)
            default:
                throw MIMERefusal("\(name) has an unknown Content-Transfer-Encoding, \(part.transferEncoding)")
            }
            let charset = part.contentType.parameters["charset"]
            guard let text = Charset.decodeExactly(decoded, charset: charset) else {
                throw MIMERefusal(
                    "\(name) is not valid \(charset ?? "US-ASCII or UTF-8") text, or that charset is unknown")
            }
            guard let changed = rewrite(kind, text) else { return nil }
            guard let encoded = Charset.encode(changed, charset: charset) else {
                throw MIMERefusal("\(name): the tracked text cannot be written in \(charset ?? "UTF-8")")
            }
            switch part.transferEncoding {
            case "base64":
                let ending: [UInt8] = raw.last == 10 ? [13, 10] : []
                return (TransferEncoding.encodeBase64(encoded) + ending, "base64")
            case "quoted-printable":
                return (TransferEncoding.encodeQuotedPrintable(encoded), "quoted-printable")
            default:
                // Links made longer can make a line too long for 7bit or 8bit.
                guard Self.fits(encoded, sevenBit: part.transferEncoding == "7bit") else {
                    return (TransferEncoding.encodeQuotedPrintable(encoded), "quoted-printable")
                }
                return (encoded, part.transferEncoding)
            }
        }

        /// Lines of at most 998 bytes ending CRLF, no bare CR or LF, and
        /// (for 7bit) no byte above 127.
        static func fits(_ text: [UInt8], sevenBit: Bool) -> Bool {
            var length = 0
            var index = 0
            while index < text.count {
                let byte = text[index]
                if byte == 13 {
                    guard index + 1 < text.count, text[index + 1] == 10 else { return false }
                    length = 0
                    index += 2
                    continue
                }
                if byte == 10 || byte == 0 || (sevenBit && byte > 127) { return false }
                length += 1
                if length > TrackedCopy.maximumLineLength { return false }
                index += 1
            }
            return true
        }

        /// The header's fields (less those removed, a new transfer encoding
        /// in place of the old), the fields added, and the blank line.
        mutating func writeHeader(_ part: SubmittedPart, edit: HeaderEdit?, transferEncoding: String?) {
            guard edit != nil || transferEncoding != nil else {
                output += bytes[part.range.lowerBound..<part.fieldsEnd]
                endHeader(part)
                return
            }
            var encodingWritten = false
            for field in part.fields {
                let name = field.name.lowercased()
                if edit?.removing.contains(name) == true { continue }
                if name == "content-transfer-encoding", let transferEncoding {
                    if !encodingWritten { output += Array("Content-Transfer-Encoding: \(transferEncoding)\r\n".utf8) }
                    encodingWritten = true
                    continue
                }
                output += bytes[field.range]
                // A last field that ended the message without a line break.
                if output.last != 10 { output += [13, 10] }
            }
            if let transferEncoding, !encodingWritten {
                output += Array("Content-Transfer-Encoding: \(transferEncoding)\r\n".utf8)
            }
            for (name, value) in edit?.adding ?? [] { output += Array("\(name): \(value)\r\n".utf8) }
            output += [13, 10]
        }

        /// The blank line after the fields, which a part that had no body
        /// may have lacked (and its last field its line break).
        mutating func endHeader(_ part: SubmittedPart) {
            if part.fieldsEnd == part.bodyRange.lowerBound {
                if part.fieldsEnd > part.range.lowerBound, output.last != 10 { output += [13, 10] }
                output += [13, 10]
            } else {
                output += bytes[part.fieldsEnd..<part.bodyRange.lowerBound]
            }
        }
    }
}
