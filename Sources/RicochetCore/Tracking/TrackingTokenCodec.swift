import Crypto

/// Turns ``TrackingToken``s into compact URL-safe strings authenticated with
/// the installation's secret, and back.
///
/// Layout before base64url: version (1 byte), kind (1), message (10), index
/// (LEB128), URL (UTF-8, the rest), then the first 10 bytes of
/// HMAC-SHA256(secret, everything before). 80 bits of MAC: a forger needs
/// about 2^79 tries per token, each one a request to this server.
public struct TrackingTokenCodec: Sendable {
    static let version: UInt8 = 1
    static let macLength = 10
    /// Longer tokens are refused before any work is done.
    public static let maximumEncodedLength = 8192

    /// HMAC keyed once: copying it skips the key schedule on every hit.
    private let keyed: HMAC<SHA256>

    public init(secret: [UInt8]) {
        precondition(secret.count >= 32, "tracking secret too short")
        keyed = HMAC<SHA256>(key: SymmetricKey(data: secret))
    }

    public func encode(_ token: TrackingToken) -> String {
        var bytes: [UInt8] = [Self.version, token.kind.rawValue]
        bytes += token.message
        var index = UInt64(token.index)
        repeat {
            let low = UInt8(index & 0x7F)
            index >>= 7
            bytes.append(index == 0 ? low : low | 0x80)
        } while index != 0
        bytes += Array(token.url.utf8)
        bytes += mac(bytes)
        return Base64URL.encode(bytes)
    }

    /// Nil for anything malformed, forged or tampered with.
    public func decode(_ text: some StringProtocol) -> TrackingToken? {
        guard text.utf8.count <= Self.maximumEncodedLength, let bytes = Base64URL.decode(text),
            bytes.count >= 2 + TrackingToken.messageIDLength + 1 + Self.macLength
        else { return nil }
        let body = Array(bytes.dropLast(Self.macLength))
        let expected = mac(body)
        let given = Array(bytes.suffix(Self.macLength))
        // Constant-time comparison: no early exit that times the first wrong byte.
        guard zip(expected, given).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0 else { return nil }
        guard body[0] == Self.version, let kind = TrackingToken.Kind(rawValue: body[1]) else { return nil }
        var cursor = 2 + TrackingToken.messageIDLength
        let message = Array(body[2..<cursor])
        var index: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard cursor < body.count, shift < 63 else { return nil }
            let byte = body[cursor]
            cursor += 1
            index |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        guard index <= UInt64(Int32.max), let url = String(validating: body[cursor...], as: UTF8.self) else {
            return nil
        }
        return TrackingToken(kind: kind, message: message, index: Int(index), url: url)
    }

    private func mac(_ bytes: [UInt8]) -> [UInt8] {
        var hmac = keyed
        hmac.update(data: bytes)
        return Array(hmac.finalize().prefix(Self.macLength))
    }
}
