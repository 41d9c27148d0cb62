import Testing

@testable import RicochetCore

@Suite("HTML instrumentation")
struct HTMLInstrumenterTests {
    /// Rewrites every link to `T<index>` and returns output and links.
    static func run(_ html: String, pixel: String? = nil) -> (String, [TrackedLink]) {
        HTMLInstrumenter.instrument(html, pixelURL: pixel) { "T\($0.index)" }
    }

    @Test("only href and src values change, in every quoting style and letter case")
    func quoting() {
        let html =
            #"<A HREF="https://a.example/1">a</A> <a href='https://a.example/2'>b</a> <a href=https://a.example/3>c</a> <IMG Src = "http://i.example/x.png" ALT="x">"#
        let (output, links) = Self.run(html)
        #expect(output == #"<A HREF="T0">a</A> <a href='T1'>b</a> <a href=T2>c</a> <IMG Src = "T3" ALT="x">"#)
        #expect(
            links.map(\.url) == [
                "https://a.example/1", "https://a.example/2", "https://a.example/3", "http://i.example/x.png",
            ])
        #expect(links.map(\.kind) == [.click, .click, .click, .image])
    }

    @Test("entities in URLs are decoded for the token")
    func entities() {
        let (output, links) = Self.run(#"<a href="https://s.example/?a=1&amp;b=2&#38;c=3&#x26;d=4&copy=5">x</a>"#)
        #expect(output == #"<a href="T0">x</a>"#)
        #expect(links.first?.url == "https://s.example/?a=1&b=2&c=3&d=4&copy=5")
    }

    @Test("mailto, tel, anchors, relative links and template placeholders are left alone")
    func untracked() {
        let html = """
            <a href="mailto:x@y.example">m</a><a href="tel:+331">t</a><a href="#top">a</a><a href="/rel">r</a>
            <a href="{{unsubscribe_url}}">u</a><a href="https://x.example/?u={{id}}">p</a><a href="https://x.example/*|EMAIL|*">mc</a>
            <a href="https://x.example/?id=%%ID%%">e</a><a>no href</a><img src="cid:logo"><img src="data:image/png;base64,AAAA">
            """
        let (output, links) = Self.run(html)
        #expect(output == html)
        #expect(links.isEmpty)
    }

    @Test("per-link tags and opt-out are read and their attributes removed")
    func dataAttributes() {
        let html =
            #"<a data-ricochet-tags="sale, shoes" href="https://s.example/">s</a> <a href="https://s.example/private" data-ricochet-track="off" class="x">p</a>"#
        let (output, links) = Self.run(html)
        #expect(output == #"<a href="T0">s</a> <a href="https://s.example/private" class="x">p</a>"#)
        #expect(links == [TrackedLink(kind: .click, index: 0, url: "https://s.example/", tags: ["sale", "shoes"])])
    }

    @Test("comments, MSO conditionals, scripts and styles are left exactly as they are")
    func comments() {
        let html = """
            <!--[if mso]><v:roundrect href="https://vml.example/" arcsize="10%"><center>Buy</center></v:roundrect><![endif]-->
            <!-- <a href="https://commented.example/">old</a> -->
            <style>a[href="https://css.example/"] { color: red } .x{background:url(https://bg.example/a.png)}</style>
            <script>var s = '<a href="https://js.example/">';</script>
            <!--[if !mso]><!--><a href="https://real.example/">Buy</a><!--<![endif]-->
            """
        let (output, links) = Self.run(html)
        #expect(links.map(\.url) == ["https://real.example/"])
        #expect(output == html.replacingOccurrences(of: "https://real.example/", with: "T0"))
    }

    @Test("the pixel goes before the last </body>, or at the end without one")
    func pixel() {
        let (withBody, _) = Self.run("<html><BODY><p>x</p></BODY ></html>", pixel: "P")
        #expect(
            withBody
                == #"<html><BODY><p>x</p><img src="P" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px" /></BODY ></html>"#
        )
        let (fragment, _) = Self.run("<p>hi</p>", pixel: "P")
        #expect(fragment.hasPrefix("<p>hi</p><img src=\"P\""))
        let (commented, _) = Self.run("<body>a</body><!-- </body> -->", pixel: "P")
        #expect(commented.hasPrefix("<body>a<img src=\"P\""))
    }

    @Test("broken markup is survived and what follows an unterminated tag is left alone")
    func broken() {
        let html = #"<p <a href="https://ok.example/">ok</a> <a href="https://cut.example/"#
        let (output, links) = Self.run(html)
        #expect(links.count <= 1)
        #expect(output.hasSuffix(#"<a href="https://cut.example/"#))
        for sample in [
            "<", "<a", "<a href", "<a href=", "<a href=\"", "<!--", "<!", "</", "<a href=x", "<<<>>>", "<style>",
        ] {
            let (same, found) = Self.run(sample)
            #expect(same == sample)
            #expect(found.isEmpty)
        }
    }

    @Test("real-world-like newsletters keep every byte outside the rewritten values")
    func newsletters() {
        for fixture in Newsletters.all {
            let (output, links) = Self.run(fixture.html, pixel: nil)
            #expect(links.count == fixture.trackable, "\(fixture.name): \(links.map(\.url))")
            var restored = output
            for link in links.reversed() {
                restored = restored.replacingOccurrences(of: "\"T\(link.index)\"", with: "\"\(link.url)\"")
                restored = restored.replacingOccurrences(of: "'T\(link.index)'", with: "'\(link.url)'")
                for end in [" ", ">"] {
                    restored = restored.replacingOccurrences(of: "=T\(link.index)\(end)", with: "=\(link.url)\(end)")
                }
            }
            let expected = fixture.html
                .replacingOccurrences(of: #" data-ricochet-tags="hero""#, with: "")
                .replacingOccurrences(of: #" data-ricochet-track="off""#, with: "")
            #expect(restored == expected, "\(fixture.name)")
        }
    }
}

@Suite("Text instrumentation")
struct TextInstrumenterTests {
    @Test("URLs in text are rewritten, punctuation around them kept")
    func text() {
        let text =
            "Shop: https://s.example/sale. Or (see https://w.example/wiki/A_(b)) <https://x.example/?a=1&b=2>\nHTTP://UP.example/ ok"
        let (output, links) = TextInstrumenter.instrument(text) { "T\($0.index)" }
        #expect(output == "Shop: T0. Or (see T1) <T2>\nT3 ok")
        #expect(
            links.map(\.url) == [
                "https://s.example/sale", "https://w.example/wiki/A_(b)", "https://x.example/?a=1&b=2",
                "HTTP://UP.example/",
            ])
    }

    @Test("text without URLs, and placeholders, stay as they are")
    func untouched() {
        for text in [
            "", "no links here", "https://", "mail me: a@b.example", "https://x.example/{{id}}", "xhttps://no.example",
        ] {
            let (output, links) = TextInstrumenter.instrument(text) { _ in "T" }
            #expect(output == text)
            #expect(links.isEmpty)
        }
    }
}
