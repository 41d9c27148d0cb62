#!/usr/bin/env bash
# Event-to-receiver latency: opens arrive at about RATE a second for SECONDS,
# each on its own message's pixel; a second nginx logs when each POST
# arrived and its webhook-id (the event's id), and the event's row says when
# its hit came in. Prints the rate reached, p50, p99 and max, and, with a
# third argument `detail`, where the p99's outliers fell in time.
#
# wrk paces the hits: CONNECTIONS connections (20 by default), each pausing
# so that together they ask for RATE a second if an answer takes 2 ms; the
# rate printed is the one measured from the events' own times.
#
#   Benchmarks/latency.sh [RATE] [SECONDS] [detail]
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-1000}
seconds=${2:-10}
connections=${CONNECTIONS:-20}
delay=$(python3 -c "print(max(0, round($connections * 1000 / $rate) - 2))")
# shellcheck source=Benchmarks/nginx-setup.sh
source Benchmarks/nginx-setup.sh
port=18390
receiver_port=18392
cat >"$work/receiver.conf" <<CONF
worker_processes 1;
pid $work/receiver.pid;
error_log $work/receiver.err;
events { worker_connections 4096; }
http {
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  log_format arrival '\$msec \$http_webhook_id \$request_method';
  access_log $work/arrivals.log arrival;
  server { listen 127.0.0.1:$receiver_port; root $work/www; location / { if (\$request_method = POST) { return 200 "ok"; } } }
}
CONF
mkdir -p "$work/www"
nginx -c "$work/receiver.conf"
"$bin" serve --http 127.0.0.1:$port --allow-private-networks --database "sqlite:$work/latency.db" \
  --log-level warning >"$work/latency.out" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && break; sleep 0.1; done
key=$(grep -oE 'rk_[A-Za-z0-9]{32}' "$work/latency.out" | head -1)
python3 - "$port" "$key" "$receiver_port" "$work" "$((rate * seconds * 5 / 4000 + 1))" <<'PY'
import http.client, json, os, re, sys
port, key, receiver_port, work, batches = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
def api(method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, json.dumps(body) if body is not None else None, {"Authorization": "Bearer " + key})
    return json.loads(c.getresponse().read() or b"null")
loop = api("POST", "/api/v1/loops", {"url": "http://127.0.0.1:%d/hook" % receiver_port, "events": ["open"],
                                     "format": "json", "delivery": {"concurrency": 16}})
with open(os.path.join(work, "www", loop["validation"]["filename"]), "w") as f:
    f.write(loop["validation"]["content"])
assert api("POST", "/api/v1/loops/%s/validate" % loop["id"])["status"] == "validated"
with open(os.path.join(work, "pixels.txt"), "w") as pixels:
    for _ in range(batches):
        batch = api("POST", "/api/v1/messages/batch",
                    {"messages": [{"recipient": "r%d@example.com" % i, "html": "<p>x</p>"} for i in range(1000)]})
        for m in batch["messages"]:
            pixels.write(re.search(r"/t/o/[A-Za-z0-9_-]+", m["html"]).group(0) + "\n")
PY
cat >"$work/pixels.lua" <<LUA
local count = 0
function setup(thread) thread:set("first", count); count = count + 1 end
-- Thread n takes paths n+1, n+3, ...: no message is opened twice.
function init(args)
  paths = {}
  for line in io.lines("$work/pixels.txt") do paths[#paths + 1] = line end
  i = first
end
function request()
  i = (i + 2) % #paths
  return wrk.format("GET", paths[i + 1], {["User-Agent"] = "Mozilla/5.0 (X11) Latency"})
end
function delay() return $delay end
LUA
: >"$work/arrivals.log"; kill -USR1 "$(cat "$work/receiver.pid")"; sleep 0.5
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$work/pixels.lua" "http://127.0.0.1:$port" >"$work/pixels.wrk"
echo "hits answered (wrk):            p50 $(awk '$1 == "50%" {print $2}' "$work/pixels.wrk"), p99 $(awk '$1 == "99%" {print $2}' "$work/pixels.wrk")"
python3 - "$work" "${3:-}" <<'PY'
import os, sqlite3, sys, time
work, detail = sys.argv[1], sys.argv[2] == "detail"
db = sqlite3.connect("file:%s?mode=ro" % os.path.join(work, "latency.db"), uri=True)
hits = dict(db.execute("SELECT id, occurred_at FROM events WHERE type = 'open'"))
# Wait (30 s at most) until every event's POST is logged, or none came for 5 s.
deadline, last, seen = time.time() + 30, time.time(), -1
while time.time() < deadline and time.time() - last < 5:
    posts = sum(1 for line in open(os.path.join(work, "arrivals.log")) if line.endswith("POST\n"))
    if posts >= len(hits): break
    if posts != seen: last, seen = time.time(), posts
    time.sleep(0.2)
arrived = {}
for line in open(os.path.join(work, "arrivals.log")):
    at, webhook, method = line.split()
    if method == "POST": arrived.setdefault(webhook, float(at) * 1000)
latencies = sorted(arrived[e] - at for e, at in hits.items() if e in arrived)
span = (max(hits.values()) - min(hits.values())) / 1000
print("latency at %.0f opens/s:          p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d of %d delivered)" % (
    len(hits) / span, latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)], latencies[-1],
    len(latencies), len(hits)))
if detail:  # each second of the run: hits, p50, p99, max
    start = min(hits.values())
    for second in range(int(span) + 1):
        inside = sorted(arrived[e] - at for e, at in hits.items() if e in arrived and int((at - start) / 1000) == second)
        if inside:
            print("  second %2d: %4d hits, p50 %3.0f ms, p99 %3.0f ms, max %3.0f ms" % (
                second, len(inside), inside[len(inside) // 2], inside[int(len(inside) * 0.99)], inside[-1]))
PY
kill -TERM $server; wait $server
kill "$(cat "$work/receiver.pid")"; rm -f "$work/receiver.pid"
