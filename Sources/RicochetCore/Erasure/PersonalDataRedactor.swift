import OrderedCollections

/// Takes one person's data out of what is kept about their messages: the
/// address (in every spelling it was registered with), the IP addresses and
/// user agents their opens and clicks came from — as written, and as a form
/// body or a URL writes them (`jane%40example.org`). Matching ignores the
/// case of ASCII letters; every occurrence becomes ``mark``.
public struct PersonalDataRedactor: Sendable {
    public static let mark = "[erased]"

    /// The variables of a message event that say who the recipient is or
    /// where they were: emptied. (`profile` and `subprofile` are dropped.)
    public static let personalFields: Set<String> = [
        "recipient", "ip", "useragent", "referer", "mime", "emailfrom", "address",
    ]
    static let droppedFields: Set<String> = ["profile", "subprofile"]

    /// What is searched for, as UTF-8 with ASCII letters lower-cased;
    /// longest first, so that a longer match wins.
    let needles: [[UInt8]]

    /// - Parameter values: the address, the recipient as registered, IPs and user agents; empty ones are ignored.
    public init(_ values: some Sequence<String>) {
        var unique = Set<[UInt8]>()
        for value in values {
            for written in [value, FormPayloadEncoder.escape(value), value.replacing("@", with: "%40")] {
                let folded = Self.fold(Array(written.utf8))
                if !folded.isEmpty { unique.insert(folded) }
            }
        }
        needles = unique.sorted { $0.count > $1.count || ($0.count == $1.count && $0.lexicographicallyPrecedes($1)) }
    }

    /// The IP addresses and user agents in the variables of message events.
    public static func traces(in variables: PayloadValue) -> [String] {
        ["ip", "useragent"].compactMap { variables.field($0)?.text }.filter { !$0.isEmpty }
    }

    public func contains(_ bytes: some Collection<UInt8>) -> Bool {
        let folded = Self.fold(Array(bytes))
        return needles.contains { folded.firstRange(of: $0) != nil }
    }

    public func bytes(_ bytes: [UInt8]) -> [UInt8] {
        guard !needles.isEmpty else { return bytes }
        let folded = Self.fold(bytes)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        let mark = Array(Self.mark.utf8)
        outer: while index < bytes.count {
            for needle in needles where folded.count - index >= needle.count {
                if folded[index..<(index + needle.count)].elementsEqual(needle) {
                    output += mark
                    index += needle.count
                    continue outer
                }
            }
            output.append(bytes[index])
            index += 1
        }
        return output
    }

    public func text(_ text: String) -> String {
        String(decoding: bytes(Array(text.utf8)), as: UTF8.self)
    }

    /// Every string in `value`, keys too, redacted. Keys that differed only
    /// in what was taken out (`jane@…` and `JANE@…`) become one; the first keeps its value.
    public func value(_ value: PayloadValue) -> PayloadValue {
        switch value {
        case .string(let string): .string(text(string))
        case .list(let items): .list(items.map(self.value))
        case .object(let fields):
            .object(
                OrderedDictionary(
                    fields.map { (text($0.key), self.value($0.value)) }, uniquingKeysWith: { first, _ in first }))
        default: value
        }
    }

    /// A message event's variables: the personal fields emptied, the
    /// profile dropped, every other string redacted. The rest — id, type,
    /// times, tags, the link clicked, codes — stays for the statistics.
    public func messageEvent(_ variables: PayloadValue) -> PayloadValue {
        guard case .object(let fields) = variables else { return value(variables) }
        var kept = OrderedDictionary<String, PayloadValue>()
        for (name, field) in fields where !Self.droppedFields.contains(name) {
            kept[name] = Self.personalFields.contains(name) ? .string("") : value(field)
        }
        return .object(kept)
    }

    static func fold(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
    }
}
