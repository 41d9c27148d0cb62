import Foundation
import Testing

@testable import RicochetCore

@Suite("Payload encoding")
struct PayloadEncoderTests {
    @Test("form encoding nests objects PHP style and repeats list items")
    func formNested() {
        let value: PayloadValue = [
            "id": "m1",
            "type": "open",
            "time": 1_700_000_000,
            "tags": ["a", "b c"],
            "fields": ["name": "Zoë", "city": "Köln & Co"],
            "profile": ["fields": ["city": "Paris"], "interests": ["x"]],
        ]
        #expect(
            FormPayloadEncoder.encode(value)
                == "id=m1&type=open&time=1700000000&tags[]=a&tags[]=b+c&fields[name]=Zo%C3%AB&fields[city]=K%C3%B6ln+%26+Co"
                + "&profile[fields][city]=Paris&profile[interests][]=x")
    }

    @Test("form encoding indexes lists of objects, writes booleans as 1 and 0, and leaves nulls out")
    func formEdges() {
        let value: PayloadValue = [
            "items": [["a": 1], ["a": 2]],
            "yes": true,
            "no": false,
            "nothing": .null,
            "ratio": .double(0.5),
            "whole": .double(3),
            "weird key=&": "v=1&x",
        ]
        #expect(
            FormPayloadEncoder.encode(value)
                == "items[0][a]=1&items[1][a]=2&yes=1&no=0&ratio=0.5&whole=3&weird+key%3D%26=v%3D1%26x")
    }

    @Test("JSON encoding keeps key order and escapes what JSON requires")
    func json() {
        let value: PayloadValue = [
            "b": "quote \" backslash \\ newline \n tab \t bell \u{07} ü",
            "a": [1, .double(1.5), true, .null],
            "nested": ["z": [:], "y": []],
        ]
        #expect(
            JSONPayloadEncoder.encode(value)
                == #"{"b":"quote \" backslash \\ newline \n tab \t bell \u0007 ü","a":[1,1.5,true,null],"nested":{"z":{},"y":[]}}"#
        )
    }

    @Test("line separators, every control character and multi-byte text survive a standard JSON parser")
    func escapesParse() throws {
        let controls = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
        let text = "a\u{2028}b\u{2029}c \u{E2} \u{20AC} 🙂 \(controls) \\ \" end"
        let encoded = JSONPayloadEncoder.encode(["s": .string(text)])
        #expect(encoded.contains("\\u2028") && encoded.contains("\\u2029") && encoded.contains("\\u001f"))
        #expect(!encoded.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{2028}" })
        let parsed = try JSONSerialization.jsonObject(with: Data(encoded.utf8)) as? [String: String]
        #expect(parsed?["s"] == text)
    }

    @Test("decoded JSON re-encodes to the same document")
    func roundTrip() throws {
        let text = #"{"id":"x","n":-12,"f":2.25,"ok":false,"list":["a",{"k":"v"}],"none":null}"#
        let value = try JSONPayloadDecoder.decode(text)
        guard case .object(let object) = value else {
            Issue.record("not an object")
            return
        }
        #expect(object["n"] == .integer(-12))
        #expect(object["f"] == .double(2.25))
        #expect(object["ok"] == .bool(false))
        #expect(object["none"] == .null)
        #expect(object["list"] == ["a", ["k": "v"]])
        #expect(JSONPayloadEncoder.encode(value) == text)
    }

    @Test(
        "malformed or hostile JSON is refused with the place",
        arguments: [
            "", "{", "{\"a\":}", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "\"\\ud800\"", "tru", "[] []",
            String(repeating: "[", count: 100) + String(repeating: "]", count: 100), "\"a\u{01}\"",
        ])
    func malformed(text: String) {
        #expect(throws: JSONPayloadDecoder.SyntaxError.self) { try JSONPayloadDecoder.decode(text) }
    }

    @Test("escapes, surrogate pairs and duplicate keys decode as JSON says")
    func escapes() throws {
        let value = try JSONPayloadDecoder.decode(
            #"{"s":"\u00e9\ud83d\ude00\n\/","s":"last","n":1e2,"big":12345678901234567890}"#)
        #expect(value == ["s": "last", "n": .double(100), "big": .double(12345678901234567890)])
        #expect(try JSONPayloadDecoder.decode(#""\u00e9\ud83d\ude00\n\/""#) == "é😀\n/")
    }

    @Test("event timestamps are UTC in the documented form")
    func timestamps() {
        let date = Date(timeIntervalSince1970: 1_700_000_000.9)
        #expect(EventTimestamp.timestamp(date) == "2023-11-14 22:13:20")
        #expect(EventTimestamp.time(date) == 1_700_000_000)
        // Leap days, year ends, the epoch and before it, checked against Calendar.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for seconds: Int64 in [
            0, -1, 951_782_400, 951_868_799, 1_709_164_800, 4_102_444_799, -2_208_988_800, 253_402_300_799,
        ] {
            let moment = Date(timeIntervalSince1970: Double(seconds))
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: moment)
            let expected = String(
                format: "%04d-%02d-%02d %02d:%02d:%02d", parts.year!, parts.month!, parts.day!, parts.hour!,
                parts.minute!,
                parts.second!)
            #expect(EventTimestamp.timestamp(moment) == expected, "\(seconds)")
        }
    }
}
