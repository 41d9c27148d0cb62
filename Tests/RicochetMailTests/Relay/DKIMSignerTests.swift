import Foundation
import RicochetCore
import Testing

@testable import RicochetMail

@Suite("DKIM signatures")
struct DKIMSignerTests {
    @Test("relaxed canonicalization as RFC 6376 §3.4.5 shows it")
    func canonicalization() {
        #expect(DKIMSigner.relaxedField(Array("A: X\r\n".utf8)[...]) == Array("a:X".utf8))
        #expect(DKIMSigner.relaxedField(Array("B : Y\t\r\n\tZ  \r\n".utf8)[...]) == Array("b:Y Z".utf8))
        #expect(DKIMSigner.relaxedBody(Array(" C \r\nD \t E\r\n\r\n\r\n".utf8)[...]) == Array(" C\r\nD E\r\n".utf8))
        #expect(DKIMSigner.relaxedBody(Array("\r\n\r\n".utf8)[...]).isEmpty, "an empty body stays empty")
        #expect(DKIMSigner.relaxedBody(Array("x".utf8)[...]) == Array("x\r\n".utf8))
    }

    @Test(
        "the DNS record names the selector and domain, in strings of at most 255", arguments: DKIMKey.Algorithm.allCases
    )
    func record(_ algorithm: DKIMKey.Algorithm) throws {
        let key = try DKIMKey.generate(domain: "Shop.Example", selector: "r1", algorithm: algorithm)
        #expect(key.dnsRecord.hasPrefix("r1._domainkey.shop.example. IN TXT ( \"v=DKIM1; k=\(algorithm.rawValue); p="))
        let strings = key.dnsRecord.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        #expect(strings.allSatisfy { $0.count <= 255 } && strings.joined() == key.dnsValue)
        let stored = try DKIMKey(
            domain: key.domain, selector: key.selector, algorithm: algorithm, privateKeyText: key.privateKeyText)
        #expect(stored.dnsValue == key.dnsValue, "a stored key reads back as the same key")
        #expect(throws: DKIMKey.Problem.domain("-bad.example")) {
            _ = try DKIMKey.generate(domain: "-bad.example", selector: "r1", algorithm: algorithm)
        }
    }

    @Test(
        "dkimpy verifies a signed tracked copy, and fails it once a byte of the body changes",
        arguments: DKIMKey.Algorithm.allCases)
    func verifiedByDkimpy(_ algorithm: DKIMKey.Algorithm) throws {
        let key = try DKIMKey.generate(domain: "shop.example", selector: "s2026", algorithm: algorithm)
        let copy = try RelayFixture.copy(
            RelayFixture.mail(
                """
                From: "Shop" <news@shop.example>
                To: jane@example.com
                Subject: A  folded
                 subject
                Date: Wed, 02 Dec 2026 10:00:00 +0000
                Message-ID: <m1@shop.example>
                MIME-Version: 1.0
                Content-Type: text/html; charset=utf-8
                Content-Transfer-Encoding: quoted-printable

                <p>Hello  there <a href=3D"https://shop.example/">shop</a></p>

                """))
        let signed = try DKIMSigner.sign(copy, with: key, at: Date())
        #expect(try Self.dkimpy(signed, record: key.dnsValue) == "True")
        var tampered = signed
        tampered[tampered.count - 5] ^= 0x01
        #expect(try Self.dkimpy(tampered, record: key.dnsValue) == "False")
    }

    /// dkimpy's verdict on `message`, with `record` as the only TXT record.
    static func dkimpy(_ message: [UInt8], record: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dkim-\(UUID().uuidString).eml")
        try Data(message).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = """
            import sys
            try:
                import dkim
            except ImportError:
                sys.exit("dkimpy is missing: python3 -m pip install dkimpy pynacl")
            record = sys.argv[2].encode()
            print(dkim.verify(open(sys.argv[1], "rb").read(), dnsfunc=lambda name, timeout=5: record))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, file.path, record]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "python3 with dkimpy ran")
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
