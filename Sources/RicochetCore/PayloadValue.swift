import OrderedCollections

/// A value in a payload: what JSON can hold. Test-tool data and event
/// variables are built from it and encoded per loop format.
///
/// Objects keep their keys in order, so a payload reads in the documented
/// order and encodes to the same bytes every time.
public enum PayloadValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case double(Double)
    case bool(Bool)
    case null
    case list([PayloadValue])
    case object(OrderedDictionary<String, PayloadValue>)
}

extension PayloadValue {
    /// The value of an object's field `name`; nil for a missing field and for anything but an object.
    public func field(_ name: String) -> PayloadValue? {
        if case .object(let object) = self { return object[name] }
        return nil
    }

    /// The string this is; nil for anything else.
    public var text: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}

extension PayloadValue: Decodable {
    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            var object = OrderedDictionary<String, PayloadValue>()
            for key in keyed.allKeys {
                object[key.stringValue] = try keyed.decode(PayloadValue.self, forKey: key)
            }
            self = .object(object)
            return
        }
        if var unkeyed = try? decoder.unkeyedContainer() {
            var list: [PayloadValue] = []
            while !unkeyed.isAtEnd {
                list.append(try unkeyed.decode(PayloadValue.self))
            }
            self = .list(list)
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    fileprivate struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension PayloadValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .integer(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .double(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .list(let values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(value) }
        case .object(let fields):
            var container = encoder.container(keyedBy: AnyKey.self)
            for (key, value) in fields { try container.encode(value, forKey: AnyKey(stringValue: key)) }
        }
    }
}

extension PayloadValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral, ExpressibleByBooleanLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: PayloadValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, PayloadValue)...) {
        self = .object(OrderedDictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension PayloadValue {
    /// The value as an integer as JSON Schema counts them, `336` and `336.0`
    /// alike, of at most 15 digits (where a double holds every integer, and
    /// what the document's integers allow); nil for anything else.
    public var asInteger: Int64? {
        switch self {
        case .integer(let number) where (-999_999_999_999_999...999_999_999_999_999).contains(number): number
        case .double(let number) where number.rounded() == number && abs(number) < 1e15: Int64(number)
        default: nil
        }
    }
}
