import Foundation
import Testing

@testable import RicochetMail

@Suite("Tracked copies of submitted mail")
struct TrackedCopyTests {
    typealias Fixture = RelayFixture

    @Test(
        "multipart/alternative: quoted-printable text and base64 HTML are tracked and written back in their encodings")
    func alternative() throws {
        let html = #"<html><body><p>Caf&eacute; <a href="https://shop.example/sale">sale</a></p></body></html>"#
        let encodedHTML = Data(html.utf8).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn,
        ])
        .replacingOccurrences(of: "\r", with: "\n")
        let message = Fixture.mail(
            """
            From: Shop <news@shop.example>
            To: jane@example.com
            Subject: Sale
            X-Ricochet-Tags: may, sale
            MIME-Version: 1.0
            Content-Type: multipart/alternative; boundary="b1"

            This is a multi-part message in MIME format.
            --b1
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: quoted-printable

            Caf=C3=A9 sale: https://shop.example/sale and a very long line that goes on and on and =
            on past the soft break
            --b1
            Content-Type: text/html; charset=utf-8
            Content-Transfer-Encoding: base64

            \(encodedHTML)
            --b1--
            """)
        let tracker = Fixture.Tracker()
        let copy = try Fixture.copy(message, tracker: tracker)
        let text = try Fixture.text(of: copy, at: [1])
        #expect(
            text
                == "Café sale: https://t.example/c/0 and a very long line that goes on and on and on past the soft break"
        )
        let newHTML = try Fixture.text(of: copy, at: [2])
        #expect(newHTML.contains(#"<a href="https://t.example/c/1">sale</a>"#))
        #expect(newHTML.contains(#"<img src="https://t.example/o/TOKEN""#))
        #expect(tracker.links.map(\.url) == ["https://shop.example/sale", "https://shop.example/sale"])
        let root = try SubmittedMessage(copy).root
        #expect(root.field("X-Ricochet-Tags") == nil, "steering fields do not leave the relay")
        #expect(root.field("X-Ricochet-Message") == "msg_test")
        #expect(
            root.field("Subject") == "Sale" && root.parts.map(\.transferEncoding) == ["quoted-printable", "base64"])
        #expect(Self.lines(of: copy).allSatisfy { $0.count <= 76 || $0.starts(with: Array("Content-Type".utf8)) })
        #expect(
            String(decoding: copy, as: UTF8.self).contains("This is a multi-part message in MIME format.\r\n--b1\r\n"))
    }

    @Test("multipart/mixed: attachments, a text attachment and an enclosed message go out byte for byte")
    func mixedWithAttachments() throws {
        let pdf = (0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let encodedPDF = Data(pdf).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        let message = Fixture.mail(
            """
            From: a@shop.example
            Content-Type: multipart/mixed; boundary=outer

            --outer
            Content-Type: text/html; charset=us-ascii

            <p><a href="https://shop.example/">Hi</a></p>
            --outer
            Content-Type: application/pdf; name="a.pdf"
            Content-Disposition: attachment; filename="a.pdf"
            Content-Transfer-Encoding: base64

            \(encodedPDF)
            --outer
            Content-Type: text/plain
            Content-Disposition: attachment; filename="notes.txt"

            See https://shop.example/untouched
            --outer
            Content-Type: message/rfc822

            From: x@y.example
            Content-Type: text/html

            <a href="https://inner.example/">inner</a>
            --outer--
            """)
        let original = try SubmittedMessage(message).root
        let copy = try Fixture.copy(message)
        let parsed = try SubmittedMessage(copy).root
        for index in 1...3 {
            #expect(Array(copy[parsed.parts[index].range]) == Array(message[original.parts[index].range]))
        }
        #expect(try Fixture.text(of: copy, at: [1]).contains("https://t.example/c/0"))
        #expect(Data(TransferEncoding.base64(copy[parsed.parts[1].bodyRange])) == Data(pdf))
    }

    @Test("multipart/related inside alternative: the inline image stays, the HTML is tracked; nesting is kept")
    func related() throws {
        let message = Fixture.mail(
            """
            From: a@shop.example
            Content-Type: multipart/alternative; boundary="alt"

            --alt
            Content-Type: text/plain

            Plain
            --alt
            Content-Type: multipart/related; boundary="rel"

            --rel
            Content-Type: text/html

            <img src="cid:logo"><a href='https://shop.example/x'>x</a>
            --rel
            Content-Type: image/png
            Content-ID: <logo>
            Content-Transfer-Encoding: base64

            iVBORw0KGgo=
            --rel--
            --alt--
            """)
        let copy = try Fixture.copy(message)
        let html = try Fixture.text(of: copy, at: [2, 1])
        #expect(html.contains(#"<img src="cid:logo">"#), "cid: images are not proxied")
        #expect(html.contains("href='https://t.example/c/0'"))
        let image = try SubmittedMessage(copy).root.parts[1].parts[1]
        #expect(String(decoding: copy[image.range], as: UTF8.self).hasSuffix("\r\n\r\niVBORw0KGgo="))
        #expect(try Fixture.text(of: copy, at: [1]) == "Plain")
    }

    @Test("charsets are kept: UTF-8 in 8bit, Latin-1 quoted-printable, ISO-2022-JP in 7bit")
    func charsets() throws {
        let latin1 = Fixture.mail(
            """
            From: a@shop.example
            Content-Type: text/plain; charset=iso-8859-1
            Content-Transfer-Encoding: quoted-printable

            Caf=E9 https://shop.example/caf=E9
            """)
        let copy = try Fixture.copy(latin1)
        #expect(String(decoding: copy, as: UTF8.self).contains("Caf=E9 https://t.example/c/0\r\n"))

        let utf8 = Fixture.mail(
            """
            From: a@shop.example
            Content-Type: text/html; charset=UTF-8
            Content-Transfer-Encoding: 8bit

            <p>Grüße <a href="https://shop.example/">shop</a></p>
            """)
        #expect(
            try Fixture.text(of: try Fixture.copy(utf8), at: []).hasPrefix(
                #"<p>Grüße <a href="https://t.example/c/0">"#))

        let japanese = "こんにちは https://shop.example/jp\r\n"
        let jis = try #require(Charset.encode(japanese, charset: "ISO-2022-JP"))
        let message = Fixture.mail("From: a@shop.example\nContent-Type: text/plain; charset=ISO-2022-JP\n") + jis
        let jpCopy = try Fixture.copy(message)
        #expect(try Fixture.text(of: jpCopy, at: []) == "こんにちは https://t.example/c/0\r\n")
        #expect(try SubmittedMessage(jpCopy).root.transferEncoding == "7bit")
    }

    @Test("a 7bit line made longer than 998 bytes by tracking makes the part quoted-printable, its header says so")
    func longLines() throws {
        let padding = String(repeating: "x", count: 960)
        let message = Fixture.mail(
            """
            From: a@shop.example
            Content-Type: text/html
            Content-Transfer-Encoding: 7bit

            <a href="https://a.example/">\(padding)</a>
            """)
        let tracker = Fixture.Tracker()
        let long = TrackedCopy.HeaderEdit()
        let copy = try TrackedCopy.make(from: try SubmittedMessage(message), header: long) { kind, text in
            tracker.rewrite(kind, text).map {
                $0.replacingOccurrences(
                    of: "https://t.example/c/0", with: "https://t.example/c/" + String(repeating: "L", count: 60))
            }
        }
        let root = try SubmittedMessage(copy).root
        #expect(root.transferEncoding == "quoted-printable")
        #expect(root.fields.filter { $0.name.lowercased() == "content-transfer-encoding" }.count == 1)
        #expect(Self.lines(of: copy).allSatisfy { $0.count <= 998 })
        #expect(try Fixture.text(of: copy, at: []).contains(padding))
    }

    @Test("nothing to change: the copy is the message, byte for byte")
    func untouched() throws {
        let message = Fixture.mail(
            """
            From: a@shop.example
            Subject: folded
             subject
            Content-Type: multipart/mixed; boundary=b

            --b\t
            Content-Type: text/plain

            no links here
            --b--\u{20}
            trailing epilogue
            """)
        let copy = try TrackedCopy.make(from: try SubmittedMessage(message), header: .init()) { _, _ in nil }
        #expect(copy == message)
    }

    @Test(
        "what is not valid MIME is refused, naming the part and the reason",
        arguments: [
            ("Content-Type: text/plain\n\nno sender", "no From"),
            (
                "From a@b Mon Jan 1\nFrom: a@b.example\n\nmbox line",
                "line 1 of the header of the message is not a header field"
            ),
            (" continued\nFrom: a@b.example\n\nx", "continues no field"),
            ("From: a@b.example\nContent-Type: multipart/mixed\n\nx", "no valid boundary"),
            ("From: a@b.example\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nunclosed", "no closing boundary"),
            ("From: a@b.example\nContent-Type: multipart/mixed; boundary=b\n\nnever", "never uses its boundary"),
            (
                "From: a@b.example\nContent-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: base64\n\n--b\n\nx\n--b--",
                "only 7bit, 8bit or binary"
            ),
            (
                "From: a@b.example\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\n!!notbase64\n--b--",
                "part 1 (text/html) is not valid base64"
            ),
            (
                "From: a@b.example\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n=FF=FE",
                "is not valid utf-8"
            ),
            (
                "From: a@b.example\nContent-Type: text/plain; charset=x-unknown-charset\n\ntext",
                "that charset is unknown"
            ),
            (
                "From: a@b.example\nContent-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\ntext",
                "unknown Content-Transfer-Encoding"
            ),
        ])
    func refusals(_ text: String, _ reason: String) throws {
        do {
            _ = try Fixture.copy(Fixture.mail(text))
            Issue.record("accepted: \(text)")
        } catch let error as MIMERefusal {
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }

    @Test("parts nested deeper than the limit are refused, not followed")
    func depth() {
        var text = "From: a@b.example\n"
        for level in 0...SubmittedPart.maximumDepth {
            text += "Content-Type: multipart/mixed; boundary=l\(level)\n\n--l\(level)\n"
        }
        text += "Content-Type: text/plain\n\nx\n"
        for level in (0...SubmittedPart.maximumDepth).reversed() { text += "--l\(level)--\n" }
        #expect(throws: MIMERefusal.self) { _ = try SubmittedMessage(Fixture.mail(text)) }
    }

    static func lines(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(separator: 10, omittingEmptySubsequences: false).map { $0.last == 13 ? $0.dropLast() : $0 }
    }
}
