import Hummingbird

/// One page of a listing: its items under their name (`events`,
/// `profiles`, …) and `next`, the cursor of the following page — written
/// out as null on the last page, so clients can test for it.
struct PageView<Item: Encodable & Sendable>: ResponseEncodable {
    let name: String
    let items: [Item]
    let next: String?

    /// Builds the page from `fetched`, read with one more than `limit` to
    /// learn whether another page follows; `cursor` names an item's place.
    init<Source>(
        _ name: String, fetched: [Source], limit: Int, item: (Source) -> Item, cursor: (Source) -> String
    ) {
        self.name = name
        let shown = fetched.prefix(limit)
        items = shown.map(item)
        next = fetched.count > limit ? shown.last.map(cursor) : nil
    }

    init(_ name: String, items: [Item], next: String?) {
        self.name = name
        self.items = items
        self.next = next
    }

    private struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(items, forKey: Key(stringValue: name))
        try container.encode(next, forKey: Key(stringValue: "next"))
    }
}
