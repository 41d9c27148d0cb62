/// Rewrites the links and images of an HTML part to tracked URLs, changing
/// nothing else: every byte outside the rewritten attribute values (and the
/// removed `data-ricochet-*` attributes) comes out as it went in.
///
/// A small tokenizer, not a parser: it follows HTML's rules for tags,
/// attributes (double, single or no quotes, any case), comments (MSO
/// conditional comments included, left alone) and raw-text elements, and is
/// tolerant of broken markup — what it cannot read safely it leaves as is.
public struct HTMLInstrumenter {
    /// Markup of the open pixel; `URL` is replaced by the pixel's address.
    static let pixelTemplate =
        #"<img src="URL" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px" />"#

    private let bytes: [UInt8]
    private var output: [UInt8] = []
    private var copied = 0
    private var links: [TrackedLink] = []
    private var lastBodyClose: Int?

    private init(_ html: String) {
        bytes = Array(html.utf8)
        output.reserveCapacity(bytes.count + bytes.count / 4)
    }

    /// Instruments `html`: `rewrite` gives the tracked URL for each link and
    /// image; `pixelURL`, when given, is added as a 1×1 image before
    /// `</body>` (or at the end).
    public static func instrument(
        _ html: String,
        startingAt firstIndex: Int = 0,
        pixelURL: String?,
        rewrite: (TrackedLink) -> String
    ) -> (html: String, links: [TrackedLink]) {
        var instrumenter = HTMLInstrumenter(html)
        instrumenter.scan(firstIndex: firstIndex, rewrite: rewrite)
        if let pixelURL {
            let pixel = Array(pixelTemplate.replacingOccurrences(of: "URL", with: pixelURL).utf8)
            // Before the last </body>, unless broken markup put rewritten links after it.
            let body = instrumenter.lastBodyClose.flatMap { $0 >= instrumenter.copied ? $0 : nil }
            instrumenter.insert(pixel, at: body ?? instrumenter.bytes.count)
        }
        instrumenter.flush(to: instrumenter.bytes.count)
        return (String(decoding: instrumenter.output, as: UTF8.self), instrumenter.links)
    }

    // MARK: Output

    private mutating func flush(to position: Int) {
        guard position > copied else { return }
        output += bytes[copied..<position]
        copied = position
    }

    private mutating func replace(_ range: Range<Int>, with replacement: [UInt8]) {
        flush(to: range.lowerBound)
        output += replacement
        copied = range.upperBound
    }

    private mutating func insert(_ inserted: [UInt8], at position: Int) {
        flush(to: position)
        output += inserted
    }

    // MARK: Scanning

    private mutating func scan(firstIndex: Int, rewrite: (TrackedLink) -> String) {
        var index = 0
        while let open = find(UInt8(ascii: "<"), from: index) {
            if hasPrefix("<!--", at: open) {
                index = (find("-->", from: open + 4) ?? bytes.count - 3) + 3
            } else if hasPrefix("<!", at: open) || hasPrefix("<?", at: open) {
                index = (find(UInt8(ascii: ">"), from: open) ?? bytes.count - 1) + 1
            } else if hasPrefix("</", at: open) {
                if hasName("body", at: open + 2) { lastBodyClose = open }
                index = open + 2
            } else if open + 1 < bytes.count, isLetter(bytes[open + 1]) {
                index = tag(at: open, firstIndex: firstIndex, rewrite: rewrite)
            } else {
                index = open + 1
            }
        }
    }

    /// Reads the start tag at `open`, rewrites it if it is a link or an
    /// image, and returns where scanning goes on.
    private mutating func tag(at open: Int, firstIndex: Int, rewrite: (TrackedLink) -> String) -> Int {
        var cursor = open + 1
        while cursor < bytes.count, !isSpace(bytes[cursor]), bytes[cursor] != UInt8(ascii: "/"),
            bytes[cursor] != UInt8(ascii: ">")
        {
            cursor += 1
        }
        let name = lowercased(open + 1..<cursor)
        guard let (attributes, end) = readAttributes(from: cursor) else {
            // Unterminated tag: nothing after it is markup we can trust.
            return bytes.count
        }
        switch name {
        case "a", "area":
            rewriteAttribute("href", kind: .click, in: attributes, firstIndex: firstIndex, rewrite: rewrite)
        case "img":
            rewriteAttribute("src", kind: .image, in: attributes, firstIndex: firstIndex, rewrite: rewrite)
        case "script", "style", "title", "textarea", "xmp":
            // Raw text: no tags inside until the matching end tag.
            var search = end
            while let close = find("</", from: search) {
                if hasName(name, at: close + 2) { return close }
                search = close + 2
            }
            return bytes.count
        default:
            break
        }
        return end
    }

    private mutating func rewriteAttribute(
        _ target: String, kind: TrackedLink.Kind, in attributes: [Attribute], firstIndex: Int,
        rewrite: (TrackedLink) -> String
    ) {
        var edits: [(Range<Int>, [UInt8])] = []
        var tags: [String] = []
        var trackingOff = false
        for attribute in attributes {
            switch lowercased(attribute.name) {
            case "data-ricochet-tags":
                tags = decodedValue(of: attribute).split(separator: ",")
                    .map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }.map(String.init)
                edits.append((attribute.whole, []))
            case "data-ricochet-track":
                trackingOff = decodedValue(of: attribute).trimmingWhitespace().lowercased() == "off"
                edits.append((attribute.whole, []))
            default:
                break
            }
        }
        let targetAttribute = attributes.first { lowercased($0.name) == target }
        if !trackingOff, let targetAttribute, let valueRange = targetAttribute.value {
            let url = String(decodedValue(of: targetAttribute).trimmingWhitespace())
            if TrackedLink.isTrackable(url) {
                let link = TrackedLink(kind: kind, index: firstIndex + links.count, url: url, tags: tags)
                links.append(link)
                edits.append((valueRange, Array(rewrite(link).utf8)))
            }
        }
        for (range, replacement) in edits.sorted(by: { $0.0.lowerBound < $1.0.lowerBound }) {
            replace(range, with: replacement)
        }
    }

    // MARK: Attributes

    private struct Attribute {
        /// From the whitespace before the name to the end of the value: what
        /// removing the attribute removes.
        let whole: Range<Int>
        let name: Range<Int>
        /// Inside the quotes, if any.
        let value: Range<Int>?
    }

    /// Reads attributes up to the `>` that ends the tag; nil when the tag never ends.
    private func readAttributes(from start: Int) -> ([Attribute], Int)? {
        var attributes: [Attribute] = []
        var cursor = start
        while true {
            let wholeStart = cursor
            while cursor < bytes.count, isSpace(bytes[cursor]) || bytes[cursor] == UInt8(ascii: "/") { cursor += 1 }
            guard cursor < bytes.count else { return nil }
            if bytes[cursor] == UInt8(ascii: ">") { return (attributes, cursor + 1) }
            let nameStart = cursor
            cursor += 1  // A name may start with '=' by HTML's rules.
            while cursor < bytes.count, !isSpace(bytes[cursor]),
                ![UInt8(ascii: "/"), UInt8(ascii: ">"), UInt8(ascii: "=")]
                    .contains(bytes[cursor])
            {
                cursor += 1
            }
            let name = nameStart..<cursor
            var afterName = cursor
            while afterName < bytes.count, isSpace(bytes[afterName]) { afterName += 1 }
            guard afterName < bytes.count, bytes[afterName] == UInt8(ascii: "=") else {
                attributes.append(Attribute(whole: wholeStart..<cursor, name: name, value: nil))
                continue
            }
            cursor = afterName + 1
            while cursor < bytes.count, isSpace(bytes[cursor]) { cursor += 1 }
            guard cursor < bytes.count else { return nil }
            let quote = bytes[cursor]
            if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                guard let close = find(quote, from: cursor + 1) else { return nil }
                attributes.append(Attribute(whole: wholeStart..<close + 1, name: name, value: cursor + 1..<close))
                cursor = close + 1
            } else {
                let valueStart = cursor
                while cursor < bytes.count, !isSpace(bytes[cursor]), bytes[cursor] != UInt8(ascii: ">") { cursor += 1 }
                attributes.append(Attribute(whole: wholeStart..<cursor, name: name, value: valueStart..<cursor))
            }
        }
    }

    private func decodedValue(of attribute: Attribute) -> String {
        guard let value = attribute.value else { return "" }
        return HTMLEntities.decode(String(decoding: bytes[value], as: UTF8.self))
    }

    // MARK: Bytes

    private func find(_ byte: UInt8, from start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        return bytes[start...].firstIndex(of: byte)
    }

    private func find(_ text: String, from start: Int) -> Int? {
        let needle = Array(text.utf8)
        var position = start
        while let candidate = find(needle[0], from: position) {
            if hasPrefix(text, at: candidate) { return candidate }
            position = candidate + 1
        }
        return nil
    }

    private func hasPrefix(_ text: String, at position: Int) -> Bool {
        let needle = Array(text.utf8)
        guard position + needle.count <= bytes.count else { return false }
        return bytes[position..<position + needle.count].elementsEqual(needle)
    }

    /// Whether the tag name `name` (lower case) stands at `position`, followed
    /// by a character that ends a name.
    private func hasName(_ name: String, at position: Int) -> Bool {
        let count = name.utf8.count
        guard position + count <= bytes.count, lowercased(position..<position + count) == name else { return false }
        guard position + count < bytes.count else { return true }
        let next = bytes[position + count]
        return isSpace(next) || next == UInt8(ascii: ">") || next == UInt8(ascii: "/")
    }

    private func lowercased(_ range: Range<Int>) -> String {
        String(decoding: bytes[range].map { isUpper($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }

    private func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }

    private func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }

    private func isLetter(_ byte: UInt8) -> Bool { isUpper(byte) || (byte >= 0x61 && byte <= 0x7A) }
}
