/// A message's id: `msg_` and 16 base32 characters, the spelling of 10 random
/// bytes (80 bits, not guessable). Tracking tokens carry the bytes.
public struct MessageID: Sendable, Hashable, CustomStringConvertible {
    public static let prefix = "msg_"

    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == TrackingToken.messageIDLength else { return nil }
        self.bytes = bytes
    }

    public init?(_ text: some StringProtocol) {
        guard text.hasPrefix(Self.prefix), let bytes = Base32.decode(text.dropFirst(Self.prefix.count)),
            bytes.count == TrackingToken.messageIDLength
        else { return nil }
        self.bytes = bytes
    }

    public static func generate() -> MessageID {
        var generator = SystemRandomNumberGenerator()
        return MessageID(
            bytes: (0..<TrackingToken.messageIDLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) })!
    }

    public var description: String { Self.prefix + Base32.encode(bytes) }
}

/// Lower-case RFC 4648 base32 without padding, for whole groups of 5 bytes.
enum Base32 {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        precondition(bytes.count % 5 == 0)
        var output: [UInt8] = []
        var buffer: UInt64 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt64(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(alphabet[Int((buffer >> UInt64(bits)) & 0x1F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        guard text.utf8.count % 8 == 0 else { return nil }
        var output: [UInt8] = []
        var buffer: UInt64 = 0
        var bits = 0
        for character in text.utf8 {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = buffer << 5 | UInt64(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                output.append(UInt8((buffer >> UInt64(bits)) & 0xFF))
            }
        }
        return output
    }
}
