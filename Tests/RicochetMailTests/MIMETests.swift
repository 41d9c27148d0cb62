import Testing

@testable import RicochetMail

@Suite("MIME")
struct MIMETests {
    @Test("headers unfold, encoded words decode, multipart nests")
    func structure() {
        let mail = """
            From: =?UTF-8?B?S8O2bG4=?= <a@example.com>
            Subject: =?iso-8859-1?Q?Gr=FC=DFe?= =?iso-8859-1?Q?_aus?= Köln
            Content-Type: multipart/mixed;
             boundary="outer"

            preamble
            --outer
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: quoted-printable

            Caf=C3=A9 soft=
             break
            --outer
            Content-Type: message/rfc822

            Message-ID: <x@y>
            X-Ricochet-Message: msg_1

            body
            --outer--
            epilogue
            """
        let message = MIMEPart(Array(mail.utf8))
        #expect(message.header.decoded("From") == "Köln <a@example.com>")
        #expect(message.header.decoded("Subject") == "Grüße aus Köln")
        #expect(message.contentType.mimeType == "multipart/mixed")
        #expect(message.parts.count == 2)
        #expect(message.parts[0].text == "Café soft break")
        #expect(message.parts[1].enclosed.first?.header["Message-ID"] == "<x@y>")
    }

    @Test("base64 and quoted-printable tolerate damage")
    func transferEncodings() {
        #expect(TransferEncoding.base64(Array("aGVs\nbG8=!!".utf8)) == Array("hello".utf8))
        #expect(TransferEncoding.quotedPrintable(Array("a=3Db=ZZc=".utf8)) == Array("a=b=ZZc".utf8))
    }
}
