import Testing

@testable import RicochetMail

@Suite("Bounce reports")
struct ReportTests {
    private func analyze(_ text: String) -> BounceReport {
        BounceAnalyzer.analyze(Array(text.utf8))
    }

    @Test("a DSN: every recipient, Original-Recipient before or after Final, no blank lines between them")
    func deliveryStatus() {
        let report = analyze(
            """
            From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
            To: sender@example.com
            Subject: Undelivered Mail Returned to Sender
            Content-Type: multipart/report; report-type=delivery-status; boundary="b"

            --b
            Content-Type: text/plain

            <gone@example.org>: host mx.example.org said: 550 5.1.1 No such user (in reply to RCPT TO command)

            --b
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example.net

            Final-Recipient: rfc822; gone@example.org
            Original-Recipient: rfc822;gone@example.org
            Action: failed
            Status: 5.0.0
            Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown
            Original-Recipient: rfc822; FULL@Example.org
            Final-Recipient: rfc822; full@example.org
            Action: failed
            Status: 4.2.2
            Diagnostic-Code: smtp; 452 4.2.2 Mailbox full
            Final-Recipient: rfc822; later@example.org
            Action: delayed
            Status: 4.4.1

            --b
            Content-Type: message/rfc822

            Message-ID: <original@example.com>
            X-Ricochet-Message: msg_abc

            hello
            --b--
            """)
        #expect(report.kind == .dsn)
        #expect(report.recipients.map(\.address) == ["gone@example.org", "full@example.org", "later@example.org"])
        let gone = report.recipients[0]
        #expect(gone.status == "5.1.1", "the receiver's specific code wins over the DSN's 5.0.0")
        #expect(gone.code == 550)
        #expect(gone.reason == .userunknown)
        #expect(gone.hard)
        #expect(report.recipients[1].reason == .mailboxfull)
        #expect(!report.recipients[1].hard)
        #expect(report.recipients[2].action == "delayed")
        #expect(report.failed.map(\.address) == ["gone@example.org", "full@example.org"])
        #expect(report.original?["X-Ricochet-Message"] == "msg_abc")
    }

    @Test("qmail and Exim style bounces: each address with the words around it")
    func nonStandard() {
        let qmail = analyze(
            """
            From: MAILER-DAEMON@mx.example.net
            To: sender@example.com
            Subject: failure notice

            Hi. This is the qmail-send program at mx.example.net.
            I'm afraid I wasn't able to deliver your message to the following addresses.

            <full@example.org>:
            192.0.2.1 said: 552 sorry, mailbox is full (#5.2.2)

            <nobody@example.org>:
            192.0.2.1 does not like recipient.
            Remote host said: 550 5.1.1 <nobody@example.org>... User unknown

            --- Below this line is a copy of the message.

            From: sender@example.com
            To: full@example.org, nobody@example.org
            """)
        #expect(qmail.kind == .bounce)
        #expect(qmail.recipients.map(\.address) == ["full@example.org", "nobody@example.org"])
        #expect(qmail.recipients.map(\.reason) == [.mailboxfull, .userunknown])
        #expect(qmail.recipients[1].status == "5.1.1")
        #expect(qmail.original?["To"] == "full@example.org, nobody@example.org")

        let exim = analyze(
            """
            From: Mail Delivery System <Mailer-Daemon@mx.example.net>
            To: sender@example.com
            Subject: Mail delivery failed: returning message to sender
            X-Failed-Recipients: blocked@example.org

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              blocked@example.org
                host mx.example.org [192.0.2.9]
                SMTP error from remote mail server after end of data:
                550 5.7.1 Message rejected: listed in the Spamhaus block list
            """)
        #expect(exim.recipients.map(\.address) == ["blocked@example.org"])
        #expect(exim.recipients[0].reason == .blocked)
        #expect(exim.recipients[0].code == 550)
    }

    @Test("an ARF report names the complaining recipient; an out-of-office reply is one")
    func feedbackAndAutoReply() {
        let arf = analyze(
            """
            From: feedback@isp.example
            Subject: Abuse report
            Content-Type: multipart/report; report-type=feedback-report; boundary="f"

            --f
            Content-Type: text/plain

            This is an email abuse report.
            --f
            Content-Type: message/feedback-report

            Feedback-Type: abuse
            User-Agent: Example-FBL/1.0
            Version: 1
            Original-Rcpt-To: <reader@isp.example>
            --f
            Content-Type: message/rfc822

            To: reader@isp.example
            X-Ricochet-Message: msg_x

            --f--
            """)
        #expect(arf.kind == .arf)
        #expect(arf.feedbackType == "abuse")
        #expect(arf.recipients.map(\.address) == ["reader@isp.example"])
        #expect(arf.recipients.first?.reason == .feedback)

        let away = analyze(
            """
            From: Reader <reader@example.org>
            To: sender@example.com
            Subject: Automatic reply: Your order
            Auto-Submitted: auto-replied

            I am out of the office until Monday.
            """)
        #expect(away.kind == .autoreply)
        #expect(away.recipients.map(\.address) == ["reader@example.org"])
        #expect(away.recipients.first?.reason == .vacation)
    }

    @Test("ordinary mail is not a bounce")
    func notBounce() {
        let report = analyze(
            """
            From: friend@example.org
            To: me@example.com
            Subject: Lunch?

            See you at noon, write to other@example.net if late.
            """)
        #expect(report.kind == .notBounce)
        #expect(report.recipients.isEmpty)
    }

    @Test("status and reply codes are not read from IP addresses, dates or versions")
    func codes() {
        #expect(StatusCodes.status(in: "host 192.0.2.45 said: 550 5.1.1 unknown") == "5.1.1")
        #expect(StatusCodes.status(in: "Postfix 2.5.6 on 10.4.5.1") == nil)
        #expect(StatusCodes.status(in: "status 4.7.26 (DMARC)") == "4.7.26")
        #expect(StatusCodes.replyCode(in: "said: 554 5.7.1 rejected") == 554)
        #expect(StatusCodes.replyCode(in: "at 550 Main Street") == nil)
        #expect(StatusCodes.replyCode(in: "192.0.2.550 x") == nil)
    }

    @Test("reasons: the words first, then the status; unknown after DATA is a filter")
    func reasons() {
        func reason(_ text: String, status: String? = nil) -> BounceReason {
            ReasonClassifier.classify(diagnostic: text, status: status, code: nil, action: "failed")
        }
        #expect(reason("552 Mailbox full", status: "5.1.1") == .mailboxfull)
        #expect(reason("550 something", status: "5.1.1") == .userunknown)
        #expect(reason("550 User unknown (in reply to end of DATA command)") == .filtered)
        #expect(reason("553 5.1.8 Domain of sender address does not exist") == .rejected)
        #expect(reason("connect to mx.example.org[192.0.2.1]:25: Connection timed out") == .expired)
        #expect(reason("Host or domain name not found") == .hostunknown)
        #expect(reason("no words we know", status: "5.7.26") == .policyviolation)
        #expect(reason("") == .undefined)
        // A multi-line reply's repeated codes do not split its phrases.
        #expect(
            reason("550-5.7.1 [192.0.2.1] Messages with multiple 550-5.7.1 addresses in From: header are not accepted.")
                == .policyviolation)
        #expect(ReplyText.joined("550-5.7.1 one 550-5.7.1 two 550 5.7.1 three") == "550-5.7.1 one two three")
        #expect(
            ReplyText.joined("550 5.1.1 user unknown, 550 5.1.1 again") == "550 5.1.1 user unknown, 550 5.1.1 again")
        // The cause named, not its consequence or the words around it.
        #expect(reason("550 5.4.312 Message expired, DNS query failed") == .networkerror)
        #expect(reason("The domain example.org doesn't receive email according to the administrator") == .notaccept)
        #expect(reason("550 5.7.1 Message content rejected, UBE, id=0-1-2") == .spamdetected)
        #expect(reason("550 Virus Detected; Content Rejected") == .virusdetected)
        #expect(reason("550 5.7.606 Access denied, banned sending IP [192.0.2.1]; the message expired") == .blocked)
        #expect(reason("rejected due to spam classification. Set up SPF records for your domain") == .spamdetected)
        #expect(reason("550 5.7.1 Recipient address rejected: User x@example.org temporary locked") == .suspend)
        #expect(reason("504 Command parameter not implemented") == .syntaxerror)
        #expect(BounceReason.userunknown.isHard(status: "5.1.1", code: 550))
        #expect(!BounceReason.mailboxfull.isHard(status: "5.2.2", code: 552))
    }

    @Test("addresses: angle brackets, quoted local parts, trailing dots; not file paths")
    func addresses() {
        #expect(MailAddress.all(in: "<A.B@Example.ORG>.").map(\.address) == ["a.b@example.org"])
        #expect(MailAddress.all(in: #"to "a..b"@example.com said"#).map(\.address) == [#""a..b"@example.com"#])
        #expect(MailAddress.all(in: "user@localhost and /var/mail/x").isEmpty)
    }
}
