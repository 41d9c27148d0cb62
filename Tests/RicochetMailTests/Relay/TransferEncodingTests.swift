import Foundation
import Testing

@testable import RicochetMail

@Suite("Transfer encodings written")
struct TransferEncodingEncodeTests {
    @Test("quoted-printable and base64 decode to what was encoded, in lines of at most 76")
    func roundTrips() {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 2, 3, 75, 76, 77, 500, 4096] {
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if length > 10 { bytes.replaceSubrange(5..<7, with: [13, 10]) }
            let quoted = TransferEncoding.encodeQuotedPrintable(bytes)
            #expect(TransferEncoding.quotedPrintable(quoted) == bytes)
            let base64 = TransferEncoding.encodeBase64(bytes)
            #expect(TransferEncoding.base64(base64) == bytes && TransferEncoding.isStrictBase64(base64))
            #expect(
                base64
                    == Array(
                        Data(bytes).base64EncodedString(options: [
                            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
                        ]).utf8))
            for line in quoted.split(separator: 10) {
                #expect(line.count <= 77, "76 characters and the CR")
                #expect(line.allSatisfy { $0 == 13 || $0 == 9 || (32...126).contains($0) })
            }
        }
    }

    @Test("a space before a line break is escaped; text stays readable")
    func readable() {
        #expect(
            String(decoding: TransferEncoding.encodeQuotedPrintable(Array("a b \r\nc=d".utf8)), as: UTF8.self)
                == "a b=20\r\nc=3Dd")
    }

    @Test("strict base64: the alphabet, line breaks and final padding only")
    func strictBase64() {
        #expect(TransferEncoding.isStrictBase64(Array("QUJD\r\nREVG".utf8)))
        #expect(TransferEncoding.isStrictBase64(Array("QQ==".utf8)))
        #expect(!TransferEncoding.isStrictBase64(Array("QQ==QQ==".utf8)))
        #expect(!TransferEncoding.isStrictBase64(Array("QUJ".utf8)))
        #expect(!TransferEncoding.isStrictBase64(Array("QU-D".utf8)))
    }
}
