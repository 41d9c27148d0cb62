import Foundation
import Testing

@testable import RicochetServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite("Bounce intake over SMTP")
struct BounceIntakeTests {
    @Test("a DSN to a registered message's return path becomes bounce and failure deliveries to the loop")
    func endToEnd() async throws {
        try await Self.withLoop(wanting: ["bounce", "failure"]) { api, tenants, port, posts in
            let message = try await api.createMessage(
                key: tenants.alice,
                json: #"{"recipient": "gone@example.org", "tags": ["june"], "html": "<p>Hi</p>"}"#)
            let returnPath = try #require(message["return_path"] as? String)
            let dsn = """
                From: MAILER-DAEMON@mx.example.org
                To: \(returnPath)
                Subject: Undelivered Mail Returned to Sender
                Content-Type: multipart/report; report-type=delivery-status; boundary="b"

                --b
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mx.example.org

                Final-Recipient: rfc822; gone@example.org
                Action: failed
                Status: 5.1.1
                Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: User unknown
                --b--
                """
            let transcript = try await SMTPTestClient.send(
                port: port, from: "", to: [returnPath, "someone@example.org"], message: dsn)
            #expect(transcript.contains("250 2.1.5 Ok"), "the return path is accepted")
            #expect(transcript.contains("550 5.1.1"), "another address is refused")
            #expect(transcript.contains("250 2.0.0 Ok: queued as inb_"), "stored, then answered")
            #expect(try await DeliveryTests.eventually(30) { await posts().count == 2 })
            let byType = Dictionary(
                await posts().map { ($0["type"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
            let bounce = try #require(byType["bounce"])
            #expect(bounce["recipient"] as? String == "gone@example.org")
            #expect(bounce["mailfrom"] as? String == "")
            #expect(bounce["rcptto"] as? String == returnPath)
            #expect(bounce["tags"] as? [String] == ["june"])
            #expect((bounce["mime"] as? String)?.contains("Final-Recipient: rfc822; gone@example.org") == true)
            let failure = try #require(byType["failure"])
            #expect(failure["state"] as? String == "bounce")
            #expect(failure["code"] as? Int == 550)
            #expect(failure["extended"] as? String == "5.1.1")
            #expect((failure["description"] as? String)?.contains("User unknown") == true)
            #expect(failure["id"] as? String == message["id"] as? String)
        }
    }
}

extension BounceIntakeTests {
    @Test("a complaint to the plain feedback address finds its message by the enclosed copy's Message-ID")
    func complaintByMessageID() async throws {
        try await Self.withLoop(wanting: ["abuse", "bounce"]) { api, tenants, port, posts in
            let given = try await api.createMessage(
                key: tenants.alice,
                json: #"{"recipient": "annoyed@example.org", "message_id": "<n1.42@sender.example>"}"#)
            #expect((given["headers"] as? [String: String])?["Message-ID"] == "<n1.42@sender.example>")
            let assigned = try await api.createMessage(key: tenants.alice, json: #"{"recipient": "x@example.org"}"#)
            let assignedID = try #require(assigned["id"] as? String)
            #expect((assigned["headers"] as? [String: String])?["Message-ID"] == "<\(assignedID)@127.0.0.1>")
            let refused = try await api.call(
                .post, "/api/v1/messages", key: tenants.alice,
                body: #"{"recipient": "x@example.org", "message_id": "no at sign"}"#)
            #expect(refused.status == .badRequest && refused.errorCode == "invalid_message_id")

            let complaint = """
                From: feedback@provider.example
                To: bounces@127.0.0.1
                Subject: complaint
                Content-Type: multipart/report; report-type=feedback-report; boundary="b"

                --b
                Content-Type: text/plain

                A recipient marked this message as spam.
                --b
                Content-Type: message/feedback-report

                Feedback-Type: abuse
                User-Agent: provider/1.0
                Version: 1
                Original-Rcpt-To: annoyed@example.org

                --b
                Content-Type: message/rfc822

                From: news@sender.example
                To: annoyed@example.org
                Message-ID: <n1.42@sender.example>
                Subject: News

                Hello
                --b--
                """
            let stray = "From: someone@example.org\nSubject: hello\n\nNo message of ours.\n"
            for mail in [complaint, stray] {
                let transcript = try await SMTPTestClient.send(
                    port: port, from: "", to: ["bounces@127.0.0.1"], message: mail)
                #expect(transcript.contains("250 2.0.0 Ok: queued as inb_"), "the plain address takes mail")
            }
            #expect(try await DeliveryTests.eventually(30) { await posts().count == 2 })
            try await Task.sleep(for: .milliseconds(300))
            let types = await posts().compactMap { $0["type"] as? String }.sorted()
            #expect(types == ["abuse", "bounce"], "the stray mail names no message and makes no event")
            for post in await posts() {
                #expect(post["id"] as? String == given["id"] as? String)
                #expect(post["recipient"] as? String == "annoyed@example.org")
            }
        }
    }

    /// A live server with its SMTP receiver on a free port, and a validated
    /// JSON loop of Alice's that wants `events`; `posts` reads what it got.
    static func withLoop(
        wanting events: [String],
        _ body:
            @escaping @Sendable (API, Tenants, Int, _ posts: @escaping @Sendable () async -> [[String: Any]])
            async throws -> Void
    ) async throws {
        let port = try SMTPTestClient.freePort()
        let receiver = TestReceiver()
        try await receiver.serve { base in
            try await Harness.run(configure: { $0.smtp = .init(host: "127.0.0.1", port: port) }) { api, tenants in
                await receiver.set("/hooks/receive.php", .init())
                _ = try await api.validatedLoopJSON(
                    key: tenants.alice, receiver: receiver, base: base, format: "json", events: events)
                try await body(api, tenants, port) {
                    await receiver.posts(to: "/hooks/receive.php").compactMap {
                        try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any]
                    }
                }
            }
        }
    }
}

/// A plain SMTP client on a blocking socket: enough to hand over one message.
enum SMTPTestClient {
    /// A port nothing listens on right now.
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else { throw SMTPTestError.socket }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Sends one message (envelope commands pipelined), returns every reply.
    static func send(port: Int, from: String, to recipients: [String], message: String) async throws -> String {
        // The server starts alongside the HTTP listener: try for a moment.
        for _ in 0..<50 {
            if let transcript = try? exchange(port: port, from: from, to: recipients, message: message) {
                return transcript
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw SMTPTestError.socket
    }

    private static func exchange(port: Int, from: String, to recipients: [String], message: String) throws -> String {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw SMTPTestError.socket }
        var transcript = ""
        func write(_ text: String) throws {
            let bytes = Array(text.utf8)
            guard Glibc.send(socket, bytes, bytes.count, 0) == bytes.count else { throw SMTPTestError.socket }
        }
        func read(until marker: String) throws {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !transcript.contains(marker) {
                let count = recv(socket, &buffer, buffer.count, 0)
                guard count > 0 else { throw SMTPTestError.socket }
                transcript += String(decoding: buffer[..<count], as: UTF8.self)
            }
        }
        try read(until: "\r\n")
        let envelope = ["EHLO test.example", "MAIL FROM:<\(from)>"] + recipients.map { "RCPT TO:<\($0)>" } + ["DATA"]
        try write(envelope.map { $0 + "\r\n" }.joined())
        try read(until: "354 ")
        let body = message.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasPrefix(".") ? "." + $0 : String($0)
        }
        try write(body.joined(separator: "\r\n") + "\r\n.\r\nQUIT\r\n")
        try read(until: "221 ")
        return transcript
    }
}

enum SMTPTestError: Error {
    case socket
}
