import Testing

@testable import RicochetCore

@Suite("PersonalDataRedactor and ErasedAddress")
struct PersonalDataRedactorTests {
    let redactor = PersonalDataRedactor(["jane@example.org", "Jane@Example.org", "198.51.100.7", "", "Jane Mail/1.0"])

    @Test("every spelling goes, in any ASCII case, as written and as forms and URLs write it; the rest stays")
    func text() {
        #expect(redactor.text("To: JANE@EXAMPLE.ORG, bob@example.org") == "To: [erased], bob@example.org")
        #expect(redactor.text("to=jane%40example.org&ua=Jane+Mail%2F1.0") == "to=[erased]&ua=[erased]")
        #expect(redactor.text("from 198.51.100.7 via Jane Mail/1.0") == "from [erased] via [erased]")
        #expect(redactor.text("nothing here") == "nothing here")
        #expect(redactor.contains(Array("x JANE%40EXAMPLE.ORG y".utf8)))
        #expect(!redactor.contains(Array("bob@example.org".utf8)))
        #expect(PersonalDataRedactor([]).text("jane@example.org") == "jane@example.org", "nothing to take out")
    }

    @Test("a message event keeps its kind, times, tags and link, without who and where")
    func messageEvent() {
        let variables: PayloadValue = [
            "id": "msg_1", "type": "click", "time": 1, "recipient": "Jane@Example.org", "ip": "198.51.100.7",
            "original": "https://shop.example/?u=jane@example.org", "useragent": "Jane Mail/1.0", "referer": "x",
            "tags": ["may"], "profile": ["fields": ["name": "Jane"]], "event": "evt_1",
        ]
        #expect(
            redactor.messageEvent(variables) == [
                "id": "msg_1", "type": "click", "time": 1, "recipient": "", "ip": "",
                "original": "https://shop.example/?u=[erased]", "useragent": "", "referer": "", "tags": ["may"],
                "event": "evt_1",
            ])
    }

    @Test("keys that differ only in the address become one key, the first value kept")
    func collidingKeys() {
        let profile: PayloadValue = ["jane@example.org": 1, "JANE@example.org": 2, "bob@example.org": 3]
        #expect(redactor.value(profile) == ["[erased]": 1, "bob@example.org": 3])
    }

    @Test("an erased address's key is the same for the same address and secret, and says nothing of it")
    func keys() {
        let erased = ErasedAddress(secret: Array(repeating: 1, count: 32))
        let key = erased.key(for: "jane@example.org")
        #expect(key == erased.key(for: "jane@example.org") && key != erased.key(for: "bob@example.org"))
        #expect(key.hasPrefix("erased:") && key.count == 7 + 32 && !key.contains("jane"))
        #expect(ErasedAddress(secret: Array(repeating: 2, count: 32)).key(for: "jane@example.org") != key)
    }
}
