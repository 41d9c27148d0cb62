import Foundation
import Testing

@testable import RicochetCore

@Suite("Base64URL")
struct Base64URLTests {
    /// Foundation's base64 with the URL-safe alphabet swapped in and padding dropped.
    func reference(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test("encodes as RFC 4648 §5 without padding, and decodes back, for every length up to 64")
    func roundTrip() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...64 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Base64URL.encode(bytes)
            #expect(text == reference(bytes))
            #expect(Base64URL.decode(text) == bytes)
        }
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
    }

    @Test("refuses padding, foreign bytes, impossible lengths and stray low bits")
    func refusals() {
        #expect(Base64URL.decode("AAE=") == nil)
        #expect(Base64URL.decode("AA+E") == nil)
        #expect(Base64URL.decode("AA/E") == nil)
        #expect(Base64URL.decode("AAAAA") == nil)
        #expect(Base64URL.decode("AAE") == [0, 1])
        #expect(Base64URL.decode("AAF") == nil, "the last character carries bits that no byte holds")
        #expect(Base64URL.decode("AB") == nil)
        #expect(Base64URL.decode("AQ") == [1])
        #expect(Base64URL.decode("é") == nil)
        #expect(Base64URL.decode("") == [])
    }
}
