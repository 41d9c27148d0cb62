#!/usr/bin/env bash
# Delivery throughput and memory, in one run on one machine, against a local
# nginx that answers 200 to every POST:
#   (a) deliveries/s Ricochet sustains draining a backlog (signed with a new
#       loop's default schemes, every attempt durably written), next to wrk
#       POSTing the same body to the same nginx with as many connections as
#       the loop's concurrency; then with each signature scheme alone, with
#       the schemes loops had before (standard-webhooks and classic-rsa) next
#       to what `openssl speed rsa2048` says the cores can sign, and batched;
#   (b) event-to-receiver latency, p50 and p99, with opens arriving at about
#       1,000 a second for 10 seconds (milliseconds from the hit's arrival,
#       as recorded, to the POST's arrival, as a second nginx logs it);
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

start_receiver_nginx "$nginx_port"

# shellcheck source=Benchmarks/backlog.sh
source Benchmarks/backlog.sh

queued() {  # queued DB
  python3 -c "import sqlite3,sys; print(sqlite3.connect('file:$1?mode=ro', uri=True).execute(\"SELECT COUNT(*) FROM deliveries WHERE status IN ('queued','sending')\").fetchone()[0])"
}

echo "one machine ($(nproc) cores), Ricochet $("$bin" --version), loop concurrency $concurrency"

# (a) wrk POSTing a delivery-sized JSON body to nginx.
write_post_lua "$work/post.lua"
wrk_rate=$(wrk -t2 -c$concurrency -d10s -s "$work/post.lua" "http://127.0.0.1:$nginx_port/hook" | awk '/Requests\/sec/ {print $2}')
echo "wrk POST to nginx:              $wrk_rate requests/s"

drain_rate() {  # drain_rate DB: deliveries/s while a server empties DB's queue
  "$bin" serve --http 127.0.0.1:$port --allow-private-networks --database "sqlite:$1" \
    --log-level warning >"$1.out" 2>&1 &
  local server=$! start end
  start=$(date +%s.%N)
  while [ "$(queued "$1")" -gt 0 ]; do sleep 0.2; done
  end=$(date +%s.%N)
  kill -TERM $server; wait $server
  python3 -c "print(f'{$events / ($end - $start):.0f}')"
}

echo "queued for the throughput run:  $(prepare "$work/throughput.db" "$events")"
rate=$(drain_rate "$work/throughput.db")
echo "Ricochet deliveries:            $rate deliveries/s ($events deliveries)"
echo "ratio Ricochet / wrk:           $(python3 -c "print(f'{$rate / $wrk_rate:.3f}')")x"

# (a'') each scheme alone, and the schemes of loops made before the choice.
for signing in standard-webhooks standard-webhooks-ed25519 http-message-signatures classic-rsa \
  standard-webhooks,classic-rsa; do
  json=$(python3 -c "import json,sys; print(json.dumps(sys.argv[1].split(',')))" "$signing")
  prepare "$work/scheme.db" "$events" "" "$json" >/dev/null
  scheme_rate=$(drain_rate "$work/scheme.db")
  rm -f "$work/scheme.db" "$work/scheme.db-wal" "$work/scheme.db-shm"
  printf 'signed %-32s %6s deliveries/s = %sx wrk\n' "$signing:" "$scheme_rate" \
    "$(python3 -c "print(f'{$scheme_rate / $wrk_rate:.3f}')")"
  if [ "$signing" = classic-rsa ]; then classic_rate=$scheme_rate; fi
done
rsa_signs=$(openssl speed -seconds 3 -multi "$(nproc)" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')
echo "openssl speed rsa2048 (all cores): $rsa_signs signs/s; classic-rsa alone reaches" \
  "$(python3 -c "print(f'{$classic_rate / $rsa_signs:.0%}')") of it"

# (a') the same with batching on (100 events a request, at most 50 ms of waiting).
echo "queued for the batched run:     $(prepare "$work/batched.db" "$events" '{"max_events": 100, "max_wait_ms": 50}')"
batched=$(drain_rate "$work/batched.db")
echo "Ricochet deliveries, batched:   $batched deliveries/s in requests of up to 100"
echo "ratio batched Ricochet / wrk:   $(python3 -c "print(f'{$batched / $wrk_rate:.3f}')")x"

# (b) event-to-receiver latency at 1,000 opens a second, each of its own
# message: wrk fetches the tracked pixels (12 connections, each pausing 10 ms
# between requests); a second nginx logs when each POST arrived and its
# webhook-id (the event's id); the event's row says when its hit came in.
receiver_port=$((nginx_port + 1))
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
python3 - "$port" "$key" "$receiver_port" "$work" <<'PY'
import http.client, json, os, re, sys
port, key, receiver_port, work = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
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
    for _ in range(12):
        batch = api("POST", "/api/v1/messages/batch",
                    {"messages": [{"recipient": "r%d@example.com" % i, "html": "<p>x</p>"} for i in range(1000)]})
        for m in batch["messages"]:
            pixels.write(re.search(r"/t/o/[A-Za-z0-9_-]+", m["html"]).group(0) + "\n")
PY
cat >"$work/pixels.lua" <<LUA
local count = 0
function setup(thread) thread:set("first", count); count = count + 1 end
function init(args)
  paths = {}
  for line in io.lines("$work/pixels.txt") do paths[#paths + 1] = line end
  i = first
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {["User-Agent"] = "Mozilla/5.0 (X11) Latency"})
end
function delay() return 10 end
LUA
: >"$work/arrivals.log"; kill -USR1 "$(cat "$work/receiver.pid")"; sleep 0.5
wrk -t2 -c12 -d10s -s "$work/pixels.lua" "http://127.0.0.1:$port" >"$work/pixels.wrk"
sleep 3
python3 - "$work" <<'PY'
import os, sqlite3, sys
work = sys.argv[1]
arrived = {}
for line in open(os.path.join(work, "arrivals.log")):
    at, webhook, method = line.split()
    if method == "POST": arrived.setdefault(webhook, float(at) * 1000)
db = sqlite3.connect("file:%s?mode=ro" % os.path.join(work, "latency.db"), uri=True)
hits = dict(db.execute("SELECT id, occurred_at FROM events WHERE type = 'open'"))
latencies = sorted(arrived[e] - at for e, at in hits.items() if e in arrived)
span = (max(hits.values()) - min(hits.values())) / 1000
print("latency at %.0f opens/s:          p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d of %d delivered)" % (
    len(hits) / span, latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)], latencies[-1],
    len(latencies), len(hits)))
PY
kill -TERM $server; wait $server
kill "$(cat "$work/receiver.pid")"; rm -f "$work/receiver.pid"

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
