#!/usr/bin/env bash
# Bounce intake over SMTP: CONNECTIONS clients (Python asyncio, commands
# pipelined as PIPELINING allows) hand DSNs for registered messages to their
# return paths for SECONDS; each is stored durably before its 250. Prints the
# messages accepted per second, then how long parsing them into events took.
#
#   Benchmarks/bounces.sh [SECONDS] [CONNECTIONS]   (defaults 10 and 16)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-16}
swift build -c release --product ricochet >/dev/null 2>&1
bin=$(swift build -c release --show-bin-path)/ricochet
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
http=18390
smtp=18325

"$bin" serve --http 127.0.0.1:$http --smtp 127.0.0.1:$smtp --database "sqlite:$work/bounces.db" \
  --log-level warning >"$work/server.out" 2>&1 &
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$http/readyz >/dev/null && break; sleep 0.1; done
key=$(grep -oE 'rk_[A-Za-z0-9]{32}' "$work/server.out" | head -1)
echo "one machine ($(nproc) cores), Ricochet $("$bin" --version), $connections SMTP connections, ${seconds} s"

python3 - "$http" "$smtp" "$key" "$seconds" "$connections" "$work/bounces.db" <<'PY'
import asyncio, json, sqlite3, sys, time, urllib.request
http, smtp, key, seconds, connections, db = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
request = urllib.request.Request("http://127.0.0.1:%d/api/v1/messages/batch" % http, method="POST",
    data=json.dumps({"messages": [{"recipient": "r%d@example.org" % i, "html": "<p>x</p>"} for i in range(1000)]}).encode(),
    headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
paths = [m["return_path"] for m in json.load(urllib.request.urlopen(request))["messages"]]

def dsn(path, n):
    return ("From: MAILER-DAEMON@mx.example.org\r\nTo: %s\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
            "--b\r\nContent-Type: text/plain\r\n\r\n<r%d@example.org>: host mx.example.org said: 550 5.1.1 User unknown\r\n"
            "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
            "Final-Recipient: rfc822; r%d@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n--b--\r\n.\r\n" % (path, n, n)).encode()

accepted = 0
async def reply(reader):
    while True:
        line = await reader.readline()
        if not line: raise ConnectionError("closed")
        if line[3:4] == b" ": return int(line[:3])

async def client(index, deadline):
    global accepted
    reader, writer = await asyncio.open_connection("127.0.0.1", smtp)
    await reply(reader)
    writer.write(b"EHLO bench.example\r\n"); await reply(reader)
    n = index
    while time.time() < deadline:
        path = paths[n % len(paths)]
        writer.write(b"MAIL FROM:<>\r\nRCPT TO:<%s>\r\nDATA\r\n" % path.encode())
        codes = [await reply(reader) for _ in range(3)]
        if codes != [250, 250, 354]: raise RuntimeError("refused: %s" % codes)
        writer.write(dsn(path, n % len(paths)))
        if await reply(reader) == 250: accepted += 1
        n += connections
    writer.write(b"QUIT\r\n"); await reply(reader); writer.close()

async def main():
    deadline = time.time() + seconds
    started = time.time()
    await asyncio.gather(*(client(i, deadline) for i in range(connections)))
    return time.time() - started

elapsed = asyncio.run(main())
print("accepted over SMTP:    %d messages, %.0f messages/s (each stored before its 250)" % (accepted, accepted / elapsed))
c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
start = time.time()
while c.execute("SELECT COUNT(*) FROM inbound_mail WHERE processed_at IS NULL").fetchone()[0] > 0:
    time.sleep(0.1)
stored = c.execute("SELECT COUNT(*) FROM inbound_mail").fetchone()[0]
events = dict(c.execute("SELECT type, COUNT(*) FROM events GROUP BY type").fetchall())
print("stored: %d; events: %d bounce, %d failure; all made into events %.1f s after the last was accepted" % (
    stored, events.get("bounce", 0), events.get("failure", 0), time.time() - start))
PY
