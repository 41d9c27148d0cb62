import Foundation
import Testing

@testable import RicochetServer

@Suite("The suppression list fills itself, and the messages API heeds it")
struct AutomaticSuppressionTests {
    static func dsn(to returnPath: String, recipient: String, status: String, diagnostic: String) -> String {
        """
        From: MAILER-DAEMON@mx.example.org
        To: \(returnPath)
        Subject: Undelivered Mail Returned to Sender
        Content-Type: multipart/report; report-type=delivery-status; boundary="b"

        --b
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.org

        Final-Recipient: rfc822; \(recipient)
        Action: failed
        Status: \(status)
        Diagnostic-Code: smtp; \(diagnostic)
        --b--
        """
    }

    static func complaint(to returnPath: String, recipient: String) -> String {
        """
        From: feedback@provider.example
        To: \(returnPath)
        Subject: complaint
        Content-Type: multipart/report; report-type=feedback-report; boundary="b"

        --b
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: provider/1.0
        Version: 1
        Original-Rcpt-To: \(recipient)

        --b--
        """
    }

    @Test(
        "a hard-bounce DSN and an ARF complaint over SMTP suppress their addresses; the loop hears suppression.create")
    func hardBounceAndComplaint() async throws {
        try await BounceIntakeTests.withLoop(wanting: ["suppression.create"]) { api, tenants, port, posts in
            let gone = try await api.createMessage(key: tenants.alice, json: #"{"recipient": "Gone@Example.org"}"#)
            let annoyed = try await api.createMessage(
                key: tenants.alice, json: #"{"recipient": "annoyed@example.org"}"#)
            let gonePath = try #require(gone["return_path"] as? String)
            let annoyedPath = try #require(annoyed["return_path"] as? String)
            _ = try await SMTPTestClient.send(
                port: port, from: "", to: [gonePath],
                message: Self.dsn(
                    to: gonePath, recipient: "Gone@Example.org", status: "5.1.1",
                    diagnostic: "550 5.1.1 <Gone@Example.org>: User unknown"))
            _ = try await SMTPTestClient.send(
                port: port, from: "", to: [annoyedPath],
                message: Self.complaint(to: annoyedPath, recipient: "annoyed@example.org"))
            #expect(try await DeliveryTests.eventually(30) { await posts().count == 2 })
            let byAddress = Dictionary(
                await posts().map { ($0["address"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
            let failures = try await api.events(key: tenants.alice, query: "?type=failure")
            let abuses = try await api.events(key: tenants.alice, query: "?type=abuse")
            let hard = try #require(byAddress["gone@example.org"])
            #expect(hard["type"] as? String == "create" && hard["reason"] as? String == "hard_bounce")
            #expect(hard["cause"] as? String == failures.first?["id"] as? String, "the failure event caused it")
            let complained = try #require(byAddress["annoyed@example.org"])
            #expect(complained["reason"] as? String == "complaint")
            #expect(complained["cause"] as? String == abuses.first?["id"] as? String)

            let entry = try await api.call(.get, "/api/v1/suppressions/gone@example.org", key: tenants.alice)
            #expect(entry.status == .ok && entry.json["reason"] as? String == "hard_bounce")
            #expect(entry.json["event"] as? String == hard["cause"] as? String)
            #expect(
                try await api.call(.get, "/api/v1/suppressions/gone@example.org", key: tenants.bob).status
                    == .notFound, "Alice's list is Alice's")

            // A second hard bounce (of mail sent anyway, the settings only warning) changes nothing: the
            // entry in force stays as it was.
            _ = try await api.call(
                .patch, "/api/v1/settings", key: tenants.alice, body: #"{"messages_suppression": "warn"}"#)
            let again = try await api.createMessage(key: tenants.alice, json: #"{"recipient": "gone@example.org"}"#)
            let againPath = try #require(again["return_path"] as? String)
            _ = try await SMTPTestClient.send(
                port: port, from: "", to: [againPath],
                message: Self.dsn(
                    to: againPath, recipient: "gone@example.org", status: "5.1.1", diagnostic: "550 5.1.1 unknown"))
            #expect(
                try await DeliveryTests.eventually(30) {
                    (try? await api.events(key: tenants.alice, query: "?type=failure").count) == 2
                })
            let still = try await api.call(.get, "/api/v1/suppressions/gone@example.org", key: tenants.alice)
            #expect(still.json["id"] as? String == entry.json["id"] as? String)
            let created = try await api.events(key: tenants.alice, query: "?type=suppression.create")
            #expect(created.count == 2, "no second entry, no second event")
        }
    }

    @Test("soft bounces suppress only at the account's limit within its window")
    func softBounces() async throws {
        try await BounceIntakeTests.withLoop(wanting: ["failure"]) { api, tenants, port, _ in
            let set = try await api.call(
                .patch, "/api/v1/settings", key: tenants.alice, body: #"{"soft_bounce_limit": 3}"#)
            #expect(set.status == .ok && set.json["soft_bounce_limit"] as? Int == 3, "\(set.body)")
            #expect(set.json["soft_bounce_days"] as? Int == 15, "the rest as it was")
            let message = try await api.createMessage(key: tenants.alice, json: #"{"recipient": "full@example.org"}"#)
            let returnPath = try #require(message["return_path"] as? String)
            for round in 1...3 {
                _ = try await SMTPTestClient.send(
                    port: port, from: "", to: [returnPath],
                    message: Self.dsn(
                        to: returnPath, recipient: "full@example.org", status: "5.2.2",
                        diagnostic: "552 5.2.2 Mailbox full"))
                // The decision is written with the failure event: once the event is there, so is the entry.
                #expect(
                    try await DeliveryTests.eventually(30) {
                        (try? await api.events(key: tenants.alice, query: "?type=failure").count) == round
                    })
                let entry = try await api.call(.get, "/api/v1/suppressions/full@example.org", key: tenants.alice)
                if round < 3 {
                    #expect(entry.status == .notFound, "soft bounce \(round) of 3 suppresses nothing")
                } else {
                    #expect(entry.status == .ok && entry.json["reason"] as? String == "hard_bounce", "\(entry.body)")
                }
            }
        }
    }

    @Test("the messages API refuses a suppressed recipient (the batch per item), or warns when the settings say so")
    func messagesAPI() async throws {
        try await Harness.run { api, tenants in
            let added = try await api.call(
                .post, "/api/v1/suppressions", key: tenants.alice, body: #"{"address": "gone@example.org"}"#)
            #expect(added.status == .created)
            let refused = try await api.call(
                .post, "/api/v1/messages", key: tenants.alice, body: #"{"recipient": "Gone@Example.org"}"#)
            #expect(refused.status == .unprocessableContent && refused.errorCode == "recipient_suppressed")
            #expect(refused.errorMessage.hasPrefix("Gone@Example.org is on the suppression list (manual since 20"))
            #expect((refused.error["suppression"] as? [String: Any])?["reason"] as? String == "manual")
            #expect(
                try await api.call(
                    .post, "/api/v1/messages", key: tenants.bob, body: #"{"recipient": "gone@example.org"}"#
                ).status == .created, "another account's list is not Bob's")

            let batch = try await api.call(
                .post, "/api/v1/messages/batch", key: tenants.alice,
                body: #"{"messages": [{"recipient": "gone@example.org"}, {"recipient": "jane@example.org"}]}"#)
            #expect(batch.status == .created, "\(batch.body)")
            let registered = batch.json["messages"] as? [[String: Any]] ?? []
            #expect(registered.map { $0["recipient"] as? String } == ["jane@example.org"])
            let left = batch.json["refused"] as? [[String: Any]] ?? []
            #expect(left.count == 1 && left.first?["index"] as? Int == 0)
            #expect((left.first?["error"] as? [String: Any])?["code"] as? String == "recipient_suppressed")
            let allRefused = try await api.call(
                .post, "/api/v1/messages/batch", key: tenants.alice,
                body: #"{"messages": [{"recipient": "gone@example.org"}]}"#)
            #expect(allRefused.status == .unprocessableContent && allRefused.errorCode == "recipient_suppressed")
            #expect((allRefused.error["refused"] as? [[String: Any]])?.count == 1)

            let warn = try await api.call(
                .patch, "/api/v1/settings", key: tenants.alice, body: #"{"messages_suppression": "warn"}"#)
            #expect(warn.status == .ok && warn.json["messages_suppression"] as? String == "warn")
            let warned = try await api.call(
                .post, "/api/v1/messages", key: tenants.alice, body: #"{"recipient": "gone@example.org"}"#)
            #expect(warned.status == .created)
            #expect((warned.json["suppressed"] as? [String: Any])?["address"] as? String == "gone@example.org")
            let clean = try await api.createMessage(key: tenants.alice, json: #"{"recipient": "jane@example.org"}"#)
            #expect(clean["suppressed"] == nil, "only a suppressed recipient is flagged")
        }
    }

    @Test("settings: the defaults, each field changed alone, and what is out of bounds or unknown refused")
    func settings() async throws {
        try await Harness.run { api, tenants in
            let shown = try await api.call(.get, "/api/v1/settings", key: tenants.alice)
            #expect(shown.status == .ok)
            #expect(shown.json["soft_bounce_limit"] as? Int == 5 && shown.json["soft_bounce_days"] as? Int == 15)
            #expect(shown.json["messages_suppression"] as? String == "refuse")
            #expect(shown.json["event_retention_days"] is NSNull, "events kept for good by default")
            for (body, code) in [
                (#"{"soft_bounce_limit": 0}"#, "invalid_field"), (#"{"soft_bounce_days": 366}"#, "invalid_field"),
                (#"{"soft_bounce_limit": "5"}"#, "invalid_field"),
                (#"{"messages_suppression": "drop"}"#, "invalid_field"),
                (#"{"soft_bounce_limit": null}"#, "invalid_field"), (#"{"retention": 3}"#, "unknown_field"),
                ("[]", "malformed_json"),
            ] {
                let answer = try await api.call(.patch, "/api/v1/settings", key: tenants.alice, body: body)
                #expect(answer.status == .badRequest && answer.errorCode == code, "\(body): \(answer.body)")
            }
            let changed = try await api.call(
                .patch, "/api/v1/settings", key: tenants.alice, body: #"{"soft_bounce_days": 30}"#)
            #expect(changed.json["soft_bounce_days"] as? Int == 30 && changed.json["soft_bounce_limit"] as? Int == 5)
            let kept = try await api.call(
                .patch, "/api/v1/settings", key: tenants.alice, body: #"{"event_retention_days": 90}"#)
            #expect(kept.json["event_retention_days"] as? Int == 90)
            #expect(
                try await api.call(
                    .patch, "/api/v1/settings", key: tenants.alice, body: #"{"event_retention_days": 0}"#
                ).status == .badRequest)
            let forGood = try await api.call(
                .patch, "/api/v1/settings", key: tenants.alice, body: #"{"event_retention_days": null}"#)
            #expect(forGood.json["event_retention_days"] is NSNull && forGood.json["soft_bounce_days"] as? Int == 30)
            let bob = try await api.call(.get, "/api/v1/settings", key: tenants.bob)
            #expect(bob.json["soft_bounce_days"] as? Int == 15, "each account has its own")
            #expect(try await api.call(.get, "/api/v1/settings", key: nil).status == .unauthorized)
        }
    }
}
