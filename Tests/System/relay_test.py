#!/usr/bin/env python3
"""The relay, as an application and a mail administrator use it: real Postfix
from Debian is the smarthost on loopback (one mailbox domain, DSNs routed back
to Ricochet's SMTP receiver), Python's smtplib the application.

    relay_test.py BIN        (run as root: Postfix starts as root)

One mail for two recipients goes in with STARTTLS and AUTH; Postfix delivers
one copy to a mailbox and refuses the other. The delivered copy is checked
(tracked links, pixel, the VERP return path, no steering fields, a DKIM
signature that dkimpy verifies); the loop must get the delivery (from the
success DSN), the failure (from the RCPT refusal) and the open made by
fetching the pixel. Then the smarthost is stopped for a while, and the relay
is killed with SIGKILL right after a 250: nothing is lost either way.

Prints one "ok"/"FAIL" line a check and "N passed, M failed"; exits 1 when
a check failed.
"""
import email
import email.policy
import glob
import http.server
import json
import os
import re
import shutil
import signal
import smtplib
import ssl
import subprocess
import sqlite3
import sys
import tempfile
import threading
import urllib.request

import dkim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import FilesHandler, check, eventually, finish, free_port, metrics_samples, ready, results  # noqa: E402
from private_postfix import PrivatePostfix  # noqa: E402

BIN = sys.argv[1]
WORK = tempfile.mkdtemp(prefix="ricochet-relay.")
class Postfix(PrivatePostfix):
    """Mail for mail.test goes to the virtual mailbox of alice (anyone else
    is refused at RCPT); mail for bounce.test (the DSNs to the return paths)
    goes to Ricochet."""

    def __init__(self, receiver_port):
        root = os.path.join(WORK, "postfix")
        super().__init__(root, free_port(), {
            "virtual_mailbox_domains": "mail.test", "virtual_mailbox_base": f"{root}/mail",
            "virtual_mailbox_maps": f"texthash:{root}/conf/mailboxes",
            "transport_maps": f"texthash:{root}/conf/transport",
        }, files={"mailboxes": "alice@mail.test alice/\n", "transport": f"bounce.test smtp:[127.0.0.1]:{receiver_port}\n"})

    def mailbox(self):
        return sorted(glob.glob(os.path.join(self.root, "mail", "alice", "new", "*")))


class Receiver(http.server.ThreadingHTTPServer):
    """The loop's receiver: serves the validation file, keeps every event posted."""
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.lock = threading.Lock()
        self.files = {}
        self.events = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def of(self, kind, recipient):
        with self.lock:
            return [e for e in self.events if e.get("type") == kind and e.get("recipient") == recipient]


class ReceiverHandler(FilesHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.lock:
            self.server.events.append(json.loads(body))
        self.answer(200)


class Ricochet:
    def __init__(self, database, smarthost_port, certificate):
        self.database = database
        self.http = free_port()
        self.smtp = free_port()
        self.submission = free_port()
        self.metrics = free_port()
        self.smarthost_port = smarthost_port
        self.certificate = certificate
        self.log_path = os.path.join(WORK, "ricochet.log")
        self.process = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.http}"

    def start(self):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [BIN, "serve", "--http", f"127.0.0.1:{self.http}", "--public-url", self.base, "--database", self.database,
             "--smtp", f"127.0.0.1:{self.smtp}", "--bounce-domain", "bounce.test",
             "--smtp-tls-cert", self.certificate[0], "--smtp-tls-key", self.certificate[1],
             "--submission", f"127.0.0.1:{self.submission}", "--smarthost", f"127.0.0.1:{self.smarthost_port}",
             "--metrics", f"127.0.0.1:{self.metrics}", "--allow-private-networks"],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return eventually(self.ready, 30)

    def ready(self):
        return ready(self.base)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def api(self, key, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


MESSAGE = """\
From: Shop <news@shop.test>
To: Alice <alice@mail.test>
Subject: Spring offers
X-Ricochet-Tags: spring, sale
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Our offers: https://shop.test/offers =E2=80=94 see you!
--b1
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html><body><p>Our <a href=3D"https://shop.test/offers">offers</a> =E2=80=94 see you!</p></body></html>
--b1--
"""


def submit(ricochet, key, recipients, subject="Spring offers"):
    """Sends MESSAGE as an application does: STARTTLS, AUTH, then the mail."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP("127.0.0.1", ricochet.submission, timeout=30) as client:
        client.ehlo("app.shop.test")
        offered_in_clear = client.has_extn("auth")
        client.starttls(context=context)
        client.ehlo("app.shop.test")
        client.login("apikey", key)
        refused = client.sendmail("app@shop.test", recipients,
                                  MESSAGE.replace("Spring offers", subject).replace("\n", "\r\n").encode())
        return offered_in_clear, refused


def main():
    certificate = (os.path.join(WORK, "cert.pem"), os.path.join(WORK, "key.pem"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=relay.test", "-keyout", certificate[1], "-out", certificate[0]],
                   check=True, capture_output=True)
    database = f"sqlite:{WORK}/relay.db"
    receiver = Receiver()
    ricochet = Ricochet(database, 0, certificate)
    postfix = Postfix(ricochet.smtp)
    ricochet.smarthost_port = postfix.port
    started, out = postfix.start()
    if not check("Postfix starts as the smarthost", started, out):
        return
    try:
        run(ricochet, postfix, receiver, database)
    finally:
        if ricochet.process and ricochet.process.poll() is None:
            ricochet.process.send_signal(signal.SIGTERM)
            ricochet.process.wait(timeout=45)
        postfix.stop()
        if results["failed"]:
            print("--- ricochet log (end)\n" + ricochet.log()[-6000:])
            print("--- postfix log (end)\n" + postfix.log()[-4000:])


def run(ricochet, postfix, receiver, database):
    if not check("the relay starts", ricochet.start(), ricochet.log()[-2000:]):
        return
    key = re.search(r"rk_[A-Za-z0-9]{32}", ricochet.log()).group(0)
    made = subprocess.run([BIN, "dkim", "create", "--domain", "shop.test", "--selector", "s1", "--database", database],
                          capture_output=True, text=True)
    record = "".join(re.findall(r'"([^"]*)"', made.stdout))
    check("ricochet dkim create prints the TXT record", made.returncode == 0 and record.startswith("v=DKIM1; k=rsa; p="),
          made.stdout + made.stderr)

    status, loop = ricochet.api(key, "POST", "/api/v1/loops", {
        "url": f"http://127.0.0.1:{receiver.server_address[1]}/hook", "format": "json",
        "events": ["delivery", "failure", "bounce", "open", "click", "unsubscribe"], "description": "relay"})
    receiver.files["/" + loop["validation"]["filename"]] = loop["validation"]["content"]
    status, _ = ricochet.api(key, "POST", f"/api/v1/loops/{loop['id']}/validate")
    check("the loop is validated", status == 200)

    # A wrong key is 535, and AUTH is not offered before STARTTLS.
    try:
        with smtplib.SMTP("127.0.0.1", ricochet.submission, timeout=30) as client:
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            client.starttls(context=context)
            client.login("apikey", "rk_" + "x" * 32)
        wrong = None
    except smtplib.SMTPAuthenticationError as error:
        wrong = error.smtp_code
    check("a wrong key is answered 535", wrong == 535, str(wrong))

    offered_in_clear, refused = submit(ricochet, key, ["alice@mail.test", "nobody@mail.test"])
    check("AUTH is not offered before STARTTLS", not offered_in_clear)
    check("both recipients are accepted by the relay", refused == {}, str(refused))

    delivered = eventually(postfix.mailbox, 30)
    if not check("Postfix delivers one copy to the mailbox", len(delivered or []) == 1, postfix.log()[-2000:]):
        return
    with open(delivered[0], "rb") as f:
        raw = f.read()
    copy = email.message_from_bytes(raw, policy=email.policy.default)
    return_path = copy.get("Return-Path", "")
    check("the copy's return path is its own VERP address on the bounce domain",
          re.fullmatch(r"<bounces\+[a-z0-9]+@bounce\.test>", return_path) is not None, return_path)
    check("the steering fields are gone", copy.get("X-Ricochet-Tags") is None)
    check("the copy names its message", re.fullmatch(r"msg_[a-z0-9]+", copy.get("X-Ricochet-Message", "")) is not None)
    html = copy.get_body(("html",)).get_content()
    text = copy.get_body(("plain",)).get_content()
    check("the HTML link is tracked", f"{ricochet.base}/t/c/" in html and "https://shop.test/offers" not in html, html)
    check("the text link is tracked", f"{ricochet.base}/t/c/" in text and "\u2014 see you" in text, text)
    pixel = re.search(re.escape(ricochet.base) + r"/t/o/[A-Za-z0-9_-]+", html)
    check("the HTML has the open pixel", pixel is not None, html)
    # The mailbox copy starts with the fields Postfix added; the signature covers the rest.
    signed = raw.split(b"\n", 1)[1] if raw.startswith(b"Return-Path:") else raw
    signed = re.sub(rb"^(Delivered-To|Received):.*\n(?:[ \t].*\n)*", b"", signed, flags=re.M).replace(b"\n", b"\r\n")
    verified = dkim.verify(signed, dnsfunc=lambda name, timeout=5: record.encode()
                           if name == b"s1._domainkey.shop.test." else None)
    check("dkimpy verifies the copy's DKIM signature", verified, copy.get("DKIM-Signature", "none"))
    unsubscribe = re.fullmatch(r"<(http[^>]+/u/[a-z2-7]+)>, <mailto:unsubscribe\+[a-z2-7]+@bounce\.test>",
                               copy.get("List-Unsubscribe", ""))
    check("the copy has List-Unsubscribe (its one-click URL and mailto: address) and List-Unsubscribe-Post",
          unsubscribe is not None and copy.get("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click",
          f"{copy.get('List-Unsubscribe')} / {copy.get('List-Unsubscribe-Post')}")
    signed_fields = re.search(r"\bh=([^;]+)", copy.get("DKIM-Signature", "").replace(" ", "")).group(1).lower()
    check("the DKIM signature covers both, as mailbox providers require for one-click",
          "list-unsubscribe" in signed_fields.split(":") and "list-unsubscribe-post" in signed_fields.split(":"),
          signed_fields)

    if pixel:
        request = urllib.request.Request(pixel.group(0), headers={"User-Agent": "Mozilla/5.0 (X11) Mail reader"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            check("the pixel answers an image", answer.status == 200 and answer.headers["Content-Type"] == "image/gif")
    got = eventually(lambda: receiver.of("delivery", "alice@mail.test") and receiver.of("failure", "nobody@mail.test")
                     and receiver.of("open", "alice@mail.test"), 60)
    check("the loop gets the delivery, the failure and the open", bool(got),
          json.dumps([(e.get("type"), e.get("recipient")) for e in receiver.events]))
    delivery = (receiver.of("delivery", "alice@mail.test") or [{}])[0]
    check("the delivery comes from Postfix's success report", delivery.get("extended") == "2.0.0"
          and "spring" in delivery.get("tags", []), json.dumps(delivery))
    failure = (receiver.of("failure", "nobody@mail.test") or [{}])[0]
    check("the failure names the RCPT stage and Postfix's answer",
          failure.get("state") == "rcptto" and failure.get("code") == 550 and failure.get("extended") == "5.1.1",
          json.dumps(failure))
    # One DSN is one commit: with its delivery recorded, a bounce would be too.
    check("a report of success alone is not a bounce", not receiver.of("bounce", "alice@mail.test"))

    # The API shows each copy's state: sent, and failed with Postfix's answer.
    _, shown = ricochet.api(key, "GET", f"/api/v1/messages/{copy.get('X-Ricochet-Message')}")
    check("GET /api/v1/messages/{id} says the delivered copy was sent", shown.get("relay", {}).get("state") == "sent",
          json.dumps(shown))
    _, failures = ricochet.api(key, "GET", "/api/v1/events?type=failure")
    refused_id = next((e["message"] for e in failures.get("events", [])
                       if e["variables"].get("recipient") == "nobody@mail.test"), None)
    _, shown = ricochet.api(key, "GET", f"/api/v1/messages/{refused_id}")
    relay = shown.get("relay", {})
    check("GET /api/v1/messages/{id} says the refused copy failed, with the answer",
          relay.get("state") == "failed" and relay.get("last_reply", {}).get("code") == 550, json.dumps(shown))

    # One click, as a mail client makes it from the delivered copy's header: a GET only shows the page, a
    # forged token does nothing, the POST unsubscribes.
    if unsubscribe:
        url = unsubscribe.group(1)
        with urllib.request.urlopen(url, timeout=10) as page:
            check("a GET of the one-click URL shows a page asking to confirm",
                  page.status == 200 and b'<form method="post">' in page.read())
        try:
            urllib.request.urlopen(urllib.request.Request(url[:-2] + ("aa" if not url.endswith("aa") else "bb"),
                                                          data=b"List-Unsubscribe=One-Click", method="POST"),
                                   timeout=10)
            forged = 200
        except urllib.error.HTTPError as error:
            forged = error.code
        check("a forged token answers 404", forged == 404, str(forged))
        with urllib.request.urlopen(urllib.request.Request(
                url, data=b"List-Unsubscribe=One-Click", method="POST",
                headers={"Content-Type": "application/x-www-form-urlencoded"}), timeout=10) as answer:
            check("the one-click POST answers 200", answer.status == 200)
        got = eventually(lambda: receiver.of("unsubscribe", "alice@mail.test"), 30)
        check("the loop gets one unsubscribe event, one-click (the GET and the forged POST recorded nothing)",
              bool(got) and len(got) == 1 and got[0].get("method") == "one-click",
              json.dumps(receiver.events[-3:]))
        status, entry = ricochet.api(key, "GET", "/api/v1/suppressions/alice@mail.test")
        check("the one-click POST put the address on the suppression list",
              status == 200 and entry.get("reason") == "unsubscribe", str(entry))
        ricochet.api(key, "DELETE", "/api/v1/suppressions/alice@mail.test")  # she is sent to again below

    # Postfix's 550 5.1.1 put nobody@mail.test on the suppression list: the relay now refuses it at RCPT,
    # naming why and since when, and the attempt is a failure event of its own. (The entry was written with the
    # failure event the loop got above, in one transaction.)
    listed = ricochet.api(key, "GET", "/api/v1/suppressions/nobody@mail.test")
    check("the hard bounce at RCPT put the address on the suppression list",
          listed[0] == 200 and listed[1].get("reason") == "hard_bounce", str(listed))
    try:
        submit(ricochet, key, ["Nobody@mail.test"], subject="Again")
        answer = None
    except smtplib.SMTPRecipientsRefused as error:
        answer = error.recipients.get("Nobody@mail.test")
    check("the relay refuses the suppressed address at RCPT with 550 5.7.1, naming the reason and the date",
          answer is not None and answer[0] == 550 and answer[1].startswith(b"5.7.1 Nobody@mail.test is on the "
                                                                          b"suppression list (hard_bounce since 20"),
          str(answer))
    suppressed = eventually(lambda: [e for e in receiver.of("failure", "Nobody@mail.test")
                                     if e.get("state") == "suppressed"], 30)
    check("the refusal reaches the loop as a failure event with state suppressed",
          bool(suppressed) and suppressed[0].get("code") == 550 and suppressed[0].get("extended") == "5.7.1",
          json.dumps(receiver.events[-3:]))

    # The smarthost away for a while: the copy waits, and goes once it is back.
    stopped, out = postfix.stop()
    check("Postfix stops", stopped, out)
    _, refused = submit(ricochet, key, ["alice@mail.test"], subject="While away")
    check("the relay takes mail while the smarthost is away", refused == {})
    check("the relay notices the smarthost is away",
          eventually(lambda: "the smarthost cannot take mail now" in ricochet.log(), 30))
    waiting = sqlite3.connect(database.removeprefix("sqlite:")).execute(
        "SELECT message_id FROM relay_copies WHERE status = 'queued'").fetchall()
    _, shown = ricochet.api(key, "GET", f"/api/v1/messages/{waiting[0][0]}") if waiting else (0, {})
    relay = shown.get("relay", {})
    check("GET /api/v1/messages/{id} says the waiting copy is deferred, with the reason and the next try",
          relay.get("state") == "deferred" and relay.get("last_reply", {}).get("code", 0) // 100 == 4
          and "next_attempt_at" in relay, json.dumps(shown))
    samples = metrics_samples(ricochet.metrics)
    for series, wanted in [
            ("ricochet_relay_submissions_total", lambda v: v == 2),
            ('ricochet_relay_copies_total{outcome="sent"}', lambda v: v == 1),
            ('ricochet_relay_copies_total{outcome="failed"}', lambda v: v == 1),
            ('ricochet_relay_copies_total{outcome="deferred"}', lambda v: v >= 1),
            ('ricochet_relay_copies_queued{state="deferred"}', lambda v: v == 1),
            ('ricochet_smtp_sessions_total{listener="submission",result="quit"}', lambda v: v >= 2),
            ('ricochet_inbound_mail_total{kind="dsn"}', lambda v: v >= 1)]:
        check(f"the metrics count {series}", series in samples and wanted(samples[series]), samples.get(series))
    started, out = postfix.start()
    check("Postfix starts again", started, out)
    check("the copy that waited is delivered once the smarthost is back",
          eventually(lambda: len(postfix.mailbox()) == 2, 90), postfix.log()[-1500:])

    # SIGKILL right after a 250: the copy is sent after the restart.
    postfix.stop()
    _, refused = submit(ricochet, key, ["alice@mail.test"], subject="Before the kill")
    ricochet.process.send_signal(signal.SIGKILL)
    ricochet.process.wait()
    check("the relay answered 250 before it was killed", refused == {})
    postfix.start()
    check("the relay starts again on the same database", ricochet.start())
    check("the copy accepted before the kill is delivered after it",
          eventually(lambda: len(postfix.mailbox()) == 3, 150), postfix.log()[-1500:])
    subjects = []
    for path in postfix.mailbox():
        with open(path, "rb") as f:
            subjects.append(email.message_from_bytes(f.read(), policy=email.policy.default)["Subject"])
    check("each copy arrived once", sorted(subjects) == ["Before the kill", "Spring offers", "While away"],
          str(subjects))


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    finish()
