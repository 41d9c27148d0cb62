import Testing

@testable import RicochetCore

@Suite("Loop URLs")
struct LoopURLTests {
    @Test("http and https URLs are accepted and normalised")
    func accepted() throws {
        let url = try LoopURL("HTTPS://Example.COM:8443/dir/script.php?x=1")
        #expect(url.scheme == "https")
        #expect(url.host == "example.com")
        #expect(url.port == 8443)
        #expect(url.path == "/dir/script.php")
        #expect(url.query == "x=1")
        #expect(url.absoluteString == "https://example.com:8443/dir/script.php?x=1")
        #expect(try LoopURL("http://d.com").path == "/")
        #expect(try LoopURL("http://[2001:db8::1]:8080/x").absoluteString == "http://[2001:db8::1]:8080/x")
    }

    @Test(
        "bad URLs are refused with the reason",
        arguments: [
            ("", LoopURLError.empty),
            ("ftp://d.com/x", .unsupportedScheme("ftp")),
            ("javascript:alert(1)", .unsupportedScheme("javascript")),
            ("https://user:pw@d.com/x", .credentials),
            ("https://user@d.com/x", .credentials),
            ("https://d.com/x#top", .fragment),
            ("https:///x", .missingHost),
            ("/relative/path", .malformed),
            ("https://d.com/a b", .malformed),
            ("https://d.com/\nx", .malformed),
            ("https://d.com:99999/", .malformed),
            ("https://" + String(repeating: "a", count: 2050) + ".com/", .tooLong(maximum: 2048)),
        ])
    func refused(input: String, expected: LoopURLError) {
        #expect(throws: expected) { try LoopURL(input) }
    }
}

@Suite("Validation files")
struct ValidationFileTests {
    let file = ValidationFile(filename: "ricochet-abc.txt", content: "XYZ")

    @Test("the file is looked for in the script's directory, then in the web root")
    func candidates() throws {
        #expect(
            file.candidateURLs(for: try LoopURL("https://d.com/dir/script.php")) == [
                "https://d.com/dir/ricochet-abc.txt", "https://d.com/ricochet-abc.txt",
            ])
        #expect(
            file.candidateURLs(for: try LoopURL("http://d.com:81/a/b/?q=1")) == [
                "http://d.com:81/a/b/ricochet-abc.txt", "http://d.com:81/ricochet-abc.txt",
            ])
    }

    @Test("a script in the web root has one candidate")
    func rootScript() throws {
        #expect(file.candidateURLs(for: try LoopURL("https://d.com/hook.php")) == ["https://d.com/ricochet-abc.txt"])
        #expect(file.candidateURLs(for: try LoopURL("https://d.com")) == ["https://d.com/ricochet-abc.txt"])
    }

    @Test("content matches with surrounding whitespace ignored, and only then")
    func matching() {
        #expect(file.matches("XYZ"))
        #expect(file.matches("  XYZ\r\n"))
        #expect(!file.matches("XYZ2"))
        #expect(!file.matches("X YZ"))
        #expect(!file.matches(""))
    }

    @Test("generated files are unique and not guessable")
    func generated() {
        let files = (0..<200).map { _ in ValidationFile.generate() }
        #expect(Set(files.map(\.filename)).count == 200)
        #expect(Set(files.map(\.content)).count == 200)
        #expect(files.allSatisfy { $0.filename.hasPrefix("ricochet-") && $0.filename.hasSuffix(".txt") })
        #expect(files.allSatisfy { $0.content.count == 40 })
    }
}

@Suite("Feedback loops")
struct FeedbackLoopTests {
    @Test("changing the URL makes the loop unvalidated again, with a new file")
    func changeURL() throws {
        var loop = FeedbackLoop.register(
            accountID: "acct_x", url: try LoopURL("https://d.com/a.php"), events: [.open], format: .form,
            description: "", now: .now)
        loop.markValidated(at: .now)
        let oldFile = loop.validationFile
        loop.change(url: try LoopURL("https://d.com/a.php"))
        #expect(loop.status == .validated)
        loop.change(url: try LoopURL("https://e.com/a.php"))
        #expect(loop.status == .unvalidated)
        #expect(loop.validatedAt == nil)
        #expect(loop.validationFile != oldFile)
    }
}
