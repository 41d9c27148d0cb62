#!/usr/bin/env bash
# The relay beside Postfix, in one run on this machine: one client (Python
# asyncio, CONNECTIONS connections, MAIL/RCPT/DATA pipelined) sends MESSAGES
# mails of one recipient each (a 4 KB multipart/alternative with links)
#   direct:   to smtp-sink itself (what the client and the sink can do),
#   postfix:  to Postfix from Debian, relayhost smtp-sink,
#   ricochet: to the relay (AUTH as apikey), smarthost smtp-sink; each copy
#             stored before its 250, tracked and DKIM-signed (rsa-sha256),
# each ROUNDS times, alternating; then smtp-source (Postfix's own load tool)
# as the client of the first two, for comparison (it cannot AUTH, so it
# cannot send through the relay, which refuses MAIL without AUTH). A run's figure is MESSAGES over the time
# from the first connection to the last message at smtp-sink. Prints every
# run, the medians, and ricochet / postfix. Run as root (Postfix starts as
# root).
#
#   Benchmarks/relay-side-by-side.sh [--rounds N] [--messages M] [--connections C] [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3
messages=2000
connections=8
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --messages) messages=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    *) break ;;
  esac
done
if [ $# -gt 0 ]; then
  bin=$1
else
  swift build -c release --product ricochet >/dev/null 2>&1
  bin=$(swift build -c release --show-bin-path)/ricochet
fi
test -x /usr/sbin/smtp-sink || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null; }
echo "one machine ($(nproc) cores), Ricochet $("$bin" --version), Postfix $(postconf -d -h mail_version 2>/dev/null)," \
  "$messages messages, $connections connections, $rounds rounds"
RICOCHET_SMTP=off python3 - "$bin" "$rounds" "$messages" "$connections" <<'PY'
import asyncio, base64, os, re, shutil, signal, statistics, subprocess, sys, tempfile, threading, time, urllib.request
sys.path.insert(0, os.path.join(os.getcwd(), "Tests", "System"))
from checks import eventually, free_port, listening
from private_postfix import PrivatePostfix

BIN, ROUNDS, MESSAGES, CONNECTIONS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
WORK = tempfile.mkdtemp(prefix="relay-bench.")

HTML = "<html><body>" + "".join(
    f'<p>Offer {i}: <a href="https://shop.test/offers/{i}?utm_source=mail">see offer {i}</a> '
    "and a line of text to make the part the size of a real newsletter.</p>" for i in range(20)) + "</body></html>"
TEXT = "\r\n".join(f"Offer {i}: https://shop.test/offers/{i}?utm_source=mail" for i in range(20))
MESSAGE = ("From: Shop <news@shop.test>\r\nTo: <{to}>\r\nSubject: Offers\r\nMIME-Version: 1.0\r\n"
           'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n'
           "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + TEXT + "\r\n"
           "--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + HTML + "\r\n--b1--\r\n.\r\n")


class Sink:
    """smtp-sink with its running counters read as they change."""

    def __init__(self):
        self.port = free_port()
        self.process = subprocess.Popen(["smtp-sink", "-u", "nobody", "-c", f"127.0.0.1:{self.port}", "1024"],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.count, self.reached = 0, {}
        threading.Thread(target=self.read, daemon=True).start()
        assert eventually(lambda: listening(self.port), 10), "smtp-sink does not start"

    def read(self):
        pending = b""
        while chunk := self.process.stdout.read1(4096):
            pending += chunk
            *records, pending = pending.split(b"\r")
            for record in records:
                found = re.search(rb"mesg=(\d+)", record)
                if found:
                    self.count = int(found.group(1))
                    self.reached.setdefault(self.count, time.monotonic())

    def stop(self):
        self.process.terminate()
        self.process.wait()


async def reply(reader):
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("closed")
        if line[3:4] == b" ":
            return int(line[:3])


async def client(port, key, numbers):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await reply(reader)
    writer.write(b"EHLO app.shop.test\r\n")
    await reply(reader)
    if key:
        writer.write(b"AUTH PLAIN " + base64.b64encode(b"\0apikey\0" + key.encode()) + b"\r\n")
        assert await reply(reader) == 235, "AUTH refused"
    for n in numbers:
        to = f"r{n}@mail.test"
        writer.write(f"MAIL FROM:<app@shop.test>\r\nRCPT TO:<{to}>\r\nDATA\r\n".encode())
        codes = [await reply(reader) for _ in range(3)]
        assert codes == [250, 250, 354], codes
        writer.write(MESSAGE.format(to=to).encode())
        assert await reply(reader) == 250
    writer.write(b"QUIT\r\n")
    await reply(reader)
    writer.close()


def send(port, key, sink):
    """Messages per second from the first connection to the last at the sink."""
    before = sink.count
    started = time.monotonic()

    async def all_clients():
        await asyncio.gather(*(client(port, key, range(i, MESSAGES, CONNECTIONS)) for i in range(CONNECTIONS)))
    asyncio.run(all_clients())
    accepted = time.monotonic() - started
    assert eventually(lambda: sink.count >= before + MESSAGES, 600), f"only {sink.count - before} arrived"
    return MESSAGES / (sink.reached[before + MESSAGES] - started), MESSAGES / accepted


def send_with_smtp_source(port, sink):
    """The same with Postfix's smtp-source as the client (it cannot AUTH,
    so it cannot send through the relay)."""
    path = os.path.join(WORK, "message.eml")
    with open(path, "w") as f:
        f.write(MESSAGE.format(to="r@mail.test").removesuffix(".\r\n").replace("\r\n", "\n"))
    before = sink.count
    started = time.monotonic()
    subprocess.run(["smtp-source", "-s", str(CONNECTIONS), "-m", str(MESSAGES), "-f", "app@shop.test",
                    "-t", "r@mail.test", "-F", path, f"127.0.0.1:{port}"], check=True)
    accepted = time.monotonic() - started
    assert eventually(lambda: sink.count >= before + MESSAGES, 600), f"only {sink.count - before} arrived"
    return MESSAGES / (sink.reached[before + MESSAGES] - started), MESSAGES / accepted


def direct(round, sender=send):
    sink = Sink()
    try:
        return sender(sink.port, None, sink) if sender is send else sender(sink.port, sink)
    finally:
        sink.stop()


def postfix(round, sender=send):
    sink = Sink()
    server = PrivatePostfix(os.path.join(WORK, f"postfix-{round}-{sender.__name__}"), free_port(), {
        "relayhost": f"[127.0.0.1]:{sink.port}", "relay_domains": "mail.test",
        "smtpd_relay_restrictions": "permit_mynetworks, reject"})
    started, out = server.start()
    assert started, out
    try:
        return sender(server.port, None, sink) if sender is send else sender(server.port, sink)
    finally:
        server.stop()
        sink.stop()


def ricochet(round):
    sink = Sink()
    database = f"sqlite:{WORK}/ricochet-{round}.db"
    key = subprocess.run([BIN, "account", "create", "--name", "bench", "--database", database], check=True,
                         capture_output=True, text=True).stdout.strip()
    subprocess.run([BIN, "dkim", "create", "--domain", "shop.test", "--selector", "s1", "--database", database],
                   check=True, capture_output=True)
    http, submission = free_port(), free_port()
    log = open(os.path.join(WORK, f"ricochet-{round}.log"), "wb")
    process = subprocess.Popen(
        [BIN, "serve", "--http", f"127.0.0.1:{http}", "--database", database, "--log-level", "warning",
         "--bounce-domain", "bounce.shop.test", "--submission", f"127.0.0.1:{submission}",
         "--submission-auth-in-clear", "--smarthost", f"127.0.0.1:{sink.port}", "--smarthost-tls", "none"],
        stdout=log, stderr=subprocess.STDOUT)

    def ready():
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{http}/readyz", timeout=1).status == 200
        except OSError:
            return False
    assert eventually(ready, 60), "ricochet does not start"
    try:
        return send(submission, key, sink)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait()
        sink.stop()


configurations = (
    ("direct", direct), ("postfix", postfix), ("ricochet", ricochet),
    ("direct, smtp-source", lambda round: direct(round, send_with_smtp_source)),
    ("postfix, smtp-source", lambda round: postfix(round, send_with_smtp_source)),
)
runs = {name: [] for name, _ in configurations}
try:
    for round in range(ROUNDS):
        for name, run in configurations:
            through, accepted = run(round)
            runs[name].append(through)
            print(f"round {round + 1} {name:20} {through:7.0f} messages/s at the sink ({accepted:.0f}/s accepted)",
                  flush=True)
finally:
    shutil.rmtree(WORK, ignore_errors=True)
medians = {name: statistics.median(figures) for name, figures in runs.items()}
for name, median in medians.items():
    print(f"median   {name:20} {median:7.0f} messages/s")
print(f"ricochet / postfix: {medians['ricochet'] / medians['postfix']:.2f}x; "
      f"ricochet / direct: {medians['ricochet'] / medians['direct']:.3f}x")
PY
