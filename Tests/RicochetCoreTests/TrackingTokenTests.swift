import Testing

@testable import RicochetCore

@Suite("Tracking tokens")
struct TrackingTokenTests {
    let codec = TrackingTokenCodec(secret: Array(repeating: 7, count: 32))
    let message: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

    @Test("a token survives the round trip, with its URL, and is URL-safe")
    func roundTrip() {
        for (index, url) in [(0, "https://shop.example/p?id=1&x=%20y#top"), (300, "https://é.example/ü"), (7, "")] {
            let token = TrackingToken(kind: .click, message: message, index: index, url: url)
            let text = codec.encode(token)
            #expect(text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            #expect(codec.decode(text) == token)
        }
    }

    @Test("a pixel token is short")
    func compact() {
        let text = codec.encode(TrackingToken(kind: .pixel, message: message, index: 0, url: ""))
        #expect(text.count <= 32)
    }

    @Test("every single-character change is refused")
    func tampered() {
        let text = codec.encode(TrackingToken(kind: .click, message: message, index: 2, url: "https://a.example/"))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var characters = Array(text)
        for position in characters.indices {
            let original = characters[position]
            for replacement in alphabet where replacement != original {
                characters[position] = replacement
                #expect(codec.decode(String(characters)) == nil, "accepted a change at \(position)")
            }
            characters[position] = original
        }
    }

    @Test("another installation's secret, truncation, padding and garbage are refused")
    func forged() {
        let token = TrackingToken(kind: .image, message: message, index: 1, url: "https://img.example/a.png")
        let text = codec.encode(token)
        let other = TrackingTokenCodec(secret: Array(repeating: 8, count: 32))
        #expect(other.decode(text) == nil)
        #expect(codec.decode(text.dropLast()) == nil)
        #expect(codec.decode(text + "A") == nil)
        #expect(codec.decode(text + "=") == nil)
        #expect(codec.decode("") == nil)
        #expect(codec.decode("not a token!") == nil)
        #expect(codec.decode(String(repeating: "A", count: 10_000)) == nil)
    }
}

@Suite("Message ids")
struct MessageIDTests {
    @Test("ids spell their bytes and read back; anything else is refused")
    func roundTrip() {
        let id = MessageID.generate()
        #expect(id.description.hasPrefix("msg_"))
        #expect(id.description.count == 20)
        #expect(MessageID(id.description) == id)
        #expect(MessageID(bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1])?.description == "msg_aaaaaaaaaaaaaaab")
        for bad in [
            "", "msg_", "msg_AAAAAAAAAAAAAAAA", "msg_aaaaaaaaaaaaaaa", "loop_aaaaaaaaaaaaaaaa", "msg_aaaaaaaaaaaaaaa1",
        ] {
            #expect(MessageID(bad) == nil, "\(bad)")
        }
        #expect(Set((0..<500).map { _ in MessageID.generate() }).count == 500)
    }
}
