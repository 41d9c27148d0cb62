import Foundation
import Testing

@testable import RicochetServer

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
        let bound = BoundPorts()
        let receiver = TestReceiver()
        try await receiver.serve { base in
            try await Harness.run(configure: { $0.smtp = .init(host: "127.0.0.1", port: 0) }, bound: bound) {
                api, tenants in
                let port = try #require(await bound.ready().smtpPort)
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
