import Testing

@testable import RicochetCore

@Suite("URI encoding for Location")
struct URIEncodingTests {
    @Test("non-ASCII as UTF-8 escapes, spaces and unsafe characters escaped, URI characters and escapes kept")
    func encodes() {
        #expect(
            URIEncoding.encode("https://shop.example/caf\u{E9}/\u{1F600}?q=a b&x=\"y\"")
                == "https://shop.example/caf%C3%A9/%F0%9F%98%80?q=a%20b&x=%22y%22")
        #expect(
            URIEncoding.encode("https://a.example/p%2Fq?x=%e2%82%ac#frag") == "https://a.example/p%2Fq?x=%e2%82%ac#frag"
        )
        #expect(URIEncoding.encode("https://a.example/100%/%zz") == "https://a.example/100%25/%25zz")
        #expect(
            URIEncoding.encode("https://a.example/<b>{c}|d\\e^f`g")
                == "https://a.example/%3Cb%3E%7Bc%7D%7Cd%5Ce%5Ef%60g")
        #expect(
            URIEncoding.encode("https://[2001:db8::1]:8443/a;b=c,d!$&'()*+")
                == "https://[2001:db8::1]:8443/a;b=c,d!$&'()*+")
        #expect(URIEncoding.encode("x\r\ny\u{7F}") == "x%0D%0Ay%7F", "no header splitting")
    }

    @Test("encoding what is encoded changes nothing")
    func idempotent() {
        let once = URIEncoding.encode("https://b\u{FC}cher.example/stra\u{DF}e?n=%41 1%")
        #expect(URIEncoding.encode(once) == once)
    }
}
