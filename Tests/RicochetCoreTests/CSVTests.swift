import Testing

@testable import RicochetCore

@Suite("CSV")
struct CSVTests {
    @Test("fields with commas, quotes and line breaks are quoted; the rest are not")
    func writes() {
        #expect(CSV.line(["a", "b c", ""]) == "a,b c,\r\n")
        #expect(CSV.line(["x,y", "say \"hi\"", "two\nlines"]) == "\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n")
    }

    @Test("what it writes reads back, with the line each record starts on; CRLF, LF, a BOM and blank lines")
    func roundTrip() throws {
        let rows = [["address", "reason"], ["a@b.example", "say \"x\", then\r\nmore"], ["c@d.example", ""]]
        let text = "\u{FEFF}" + rows.map(CSV.line).joined() + "\n\ne@f.example,manual"
        let records = try CSV.records(text)
        #expect(records.map(\.fields) == rows + [["e@f.example", "manual"]])
        #expect(records.map(\.line) == [1, 2, 4, 7])
        #expect(try CSV.records("a\nb\n").map(\.fields) == [["a"], ["b"]])
        #expect(try CSV.records("").isEmpty)
    }

    @Test("a quote left open, or text after a closing quote, is a problem on its line")
    func problems() {
        #expect(throws: CSV.Problem(line: 2, message: "a quoted field is not closed")) {
            try CSV.records("a\n\"b,c\nd")
        }
        #expect(throws: CSV.Problem(line: 1, message: "text after a closing quote")) { try CSV.records("\"a\"b") }
    }
}
