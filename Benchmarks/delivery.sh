#!/usr/bin/env bash
# Delivery throughput and memory, in one run on one machine, against a local
# nginx that answers 200 to every POST:
#   (a) deliveries/s Ricochet sustains draining a backlog (signed twice,
#       every attempt durably written), next to wrk POSTing the same body to
#       the same nginx with as many connections as the loop's concurrency;
#   (b) event-to-receiver latency, p50 and p99, with opens arriving at 1,000
#       a second for 10 seconds (a Python receiver notes when each arrives);
#   (c) resident memory of the server while it drains a backlog of BACKLOG
#       queued deliveries at full speed (sampled for SAMPLE seconds).
# The backlogs are written straight into the database (one event row each;
# the outbox trigger queues its delivery) before the server starts.
#
#   Benchmarks/delivery.sh [THROUGHPUT_EVENTS] [BACKLOG] [SAMPLE_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-20000}
backlog=${2:-1000000}
sample=${3:-60}
concurrency=32

# shellcheck source=Benchmarks/nginx-setup.sh
source Benchmarks/nginx-setup.sh
port=18290
nginx_port=18291

cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  server { listen 127.0.0.1:$nginx_port; location / { return 200 "ok"; } }
}
CONF
nginx -c "$work/nginx.conf"

# A database with an account and a validated JSON loop pointing at nginx.
prepare() {  # prepare DB EVENTS
  "$bin" serve --http 127.0.0.1:$port --allow-private-networks --database "sqlite:$1" --log-level warning \
    >"$work/prepare.out" 2>&1 &
  local server=$!
  for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
  local key
  key=$(grep -oE 'rk_[A-Za-z0-9]{32}' "$work/prepare.out" | head -1)
  curl -s -X POST http://127.0.0.1:$port/api/v1/loops -H "Authorization: Bearer $key" \
    -d "{\"url\": \"http://127.0.0.1:$nginx_port/hook\", \"events\": [\"open\"], \"format\": \"json\",
         \"delivery\": {\"concurrency\": $concurrency}}" >/dev/null
  kill -TERM $server; wait $server
  python3 - "$1" "$2" <<'PY'
import json, sqlite3, sys, time
db, count = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
c.execute("UPDATE loops SET status = 'validated', validated_at = 0")
account = c.execute("SELECT id FROM accounts").fetchone()[0]
now = int(time.time() * 1000)
body = {"id": "msg_benchmarkbenchmar", "type": "open", "timestamp": "2026-11-29 10:00:00", "time": now // 1000,
        "recipient": "reader@example.com", "ip": "203.0.113.7",
        "useragent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36", "referer": "",
        "tags": ["newsletter"], "machine": False}
rows = ((f"evt_bench{i:015d}", account, "open", None, now, None, json.dumps(dict(body, event=f"evt_bench{i:015d}")))
        for i in range(count))
c.executemany("INSERT INTO events (id, account_id, type, message_id, occurred_at, machine_reason, variables) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
c.commit()
print(c.execute("SELECT COUNT(*) FROM deliveries WHERE status = 'queued'").fetchone()[0])
PY
}

queued() {  # queued DB
  python3 -c "import sqlite3,sys; print(sqlite3.connect('file:$1?mode=ro', uri=True).execute(\"SELECT COUNT(*) FROM deliveries WHERE status IN ('queued','sending')\").fetchone()[0])"
}

echo "one machine ($(nproc) cores), Ricochet $("$bin" --version), loop concurrency $concurrency"

# (a) wrk POSTing a delivery-sized JSON body to nginx.
python3 - >"$work/post.lua" <<'PY'
import json
body = json.dumps({"id": "msg_benchmarkbenchmar", "type": "open", "timestamp": "2026-11-29 10:00:00", "time": 1,
                   "recipient": "reader@example.com", "ip": "203.0.113.7", "useragent": "Mozilla/5.0", "referer": "",
                   "tags": ["newsletter"], "machine": False, "event": "evt_bench000000000000001"})
print('wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"' % json.dumps(body))
PY
wrk_rate=$(wrk -t2 -c$concurrency -d10s -s "$work/post.lua" "http://127.0.0.1:$nginx_port/hook" | awk '/Requests\/sec/ {print $2}')
echo "wrk POST to nginx:              $wrk_rate requests/s"

echo "queued for the throughput run:  $(prepare "$work/throughput.db" "$events")"
"$bin" serve --http 127.0.0.1:$port --allow-private-networks --database "sqlite:$work/throughput.db" \
  --log-level warning >"$work/throughput.out" 2>&1 &
server=$!
start=$(date +%s.%N)
while [ "$(queued "$work/throughput.db")" -gt 0 ]; do sleep 0.2; done
end=$(date +%s.%N)
kill -TERM $server; wait $server
rate=$(python3 -c "print(f'{$events / ($end - $start):.0f}')")
echo "Ricochet deliveries:            $rate deliveries/s ($events in $(python3 -c "print(f'{$end - $start:.1f}')") s)"
echo "ratio Ricochet / wrk:           $(python3 -c "print(f'{$rate / $wrk_rate:.3f}')")x"

# (b) latency at 1,000 opens a second: each open is of its own message, so
# the receiver can tell which send it belongs to.
"$bin" serve --http 127.0.0.1:$port --allow-private-networks --database "sqlite:$work/latency.db" \
  --log-level warning >"$work/latency.out" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
key=$(grep -oE 'rk_[A-Za-z0-9]{32}' "$work/latency.out" | head -1)
python3 - "$port" "$key" "$((nginx_port + 1))" <<'PY'
import http.client, http.server, json, re, sys, threading, time
port, key, receiver_port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def api(method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, json.dumps(body) if body is not None else None, {"Authorization": "Bearer " + key})
    r = c.getresponse()
    return json.loads(r.read() or b"null")
arrived, files = {}, {}
class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = files.get(self.path.rsplit("/", 1)[-1], "").encode()
        self.send_response(200 if body else 404); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        arrived.setdefault(payload["id"], time.time())
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", receiver_port), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
loop = api("POST", "/api/v1/loops", {"url": "http://127.0.0.1:%d/hook" % receiver_port, "events": ["open"],
                                     "format": "json", "delivery": {"concurrency": 16}})
files[loop["validation"]["filename"]] = loop["validation"]["content"]
api("POST", "/api/v1/loops/%s/validate" % loop["id"])
messages = []
for _ in range(10):
    batch = api("POST", "/api/v1/messages/batch",
                {"messages": [{"recipient": "r%d@example.com" % i, "html": "<p>x</p>"} for i in range(1000)]})
    messages += [(m["id"], re.search(r"/t/o/[A-Za-z0-9_-]+", m["html"]).group(0)) for m in batch["messages"]]
sent, lock = {}, threading.Lock()
def opener(share):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    start = time.time()
    for n, (mid, pixel) in enumerate(share):
        delay = start + n * len(workers) / 1000.0 - time.time()
        if delay > 0: time.sleep(delay)
        t = time.time()
        c.request("GET", pixel, headers={"User-Agent": "Mozilla/5.0 (X11) Latency"}); c.getresponse().read()
        with lock: sent[mid] = t
workers = [None] * 8
workers = [threading.Thread(target=opener, args=(messages[i::8],)) for i in range(8)]
for w in workers: w.start()
for w in workers: w.join()
time.sleep(3)
latencies = sorted((arrived[m] - sent[m]) * 1000 for m in sent if m in arrived)
print("latency at 1,000 opens/s:       p50 %.1f ms, p99 %.1f ms (%d of %d delivered, %.0f opens/s sent)" % (
    latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)], len(latencies), len(sent),
    len(sent) / (max(sent.values()) - min(sent.values()))))
PY
kill -TERM $server; wait $server

# (c) memory while draining a large backlog.
echo "queued for the memory run:      $(prepare "$work/backlog.db" "$backlog")"
"$bin" serve --http 127.0.0.1:$port --allow-private-networks --database "sqlite:$work/backlog.db" \
  --log-level warning >"$work/backlog.out" 2>&1 &
server=$!
max=0
before=$(queued "$work/backlog.db")
for _ in $(seq 1 "$sample"); do
  sleep 1
  rss=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
  [ "$rss" -gt "$max" ] && max=$rss
done
after=$(queued "$work/backlog.db")
kill -TERM $server; wait $server
echo "backlog drain:                  $(( (before - after) / sample )) deliveries/s over ${sample} s ($before -> $after queued)"
echo "largest resident memory:        $((max / 1024)) MiB"
