#!/usr/bin/env bash
# PostgreSQL beside SQLite, in one run on one machine:
#   (a) durable opens (wrk on a tracked pixel, the same settings for each):
#       one SQLite node, one PostgreSQL node, one PostgreSQL node behind
#       haproxy, three PostgreSQL nodes behind haproxy;
#   (b) draining a backlog of EVENTS deliveries of one loop (concurrency 32)
#       into nginx: SQLite, PostgreSQL with one node, and with three nodes;
#   (c) the largest resident memory of a PostgreSQL node draining a backlog
#       of BACKLOG deliveries, sampled every second for SAMPLE seconds.
# Backlogs are written straight into the database before the nodes start.
# PostgreSQL is a throw-away cluster with its durable defaults (fsync and
# synchronous commit on, as SQLite's synchronous=FULL), started here unless
# RICOCHET_TEST_POSTGRES names one. Installs wrk, nginx and haproxy if missing.
#
#   Benchmarks/cluster.sh [EVENTS] [BACKLOG] [SAMPLE_SECONDS] [DURATION_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${RICOCHET_TEST_POSTGRES:-}" ]; then
  RICOCHET_TEST_POSTGRES_DURABLE=1 exec scripts/with-postgres "$0" "$@"
fi
events=${1:-20000}
backlog=${2:-1000000}
sample=${3:-60}
duration=${4:-10}
concurrency=32

command -v haproxy >/dev/null || { apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; }
# shellcheck source=Benchmarks/nginx-setup.sh
source Benchmarks/nginx-setup.sh
nginx_port=18391
start_receiver_nginx "$nginx_port"

url() {  # url DB: the throw-away server's URL for database DB
  python3 -c "import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path='/' + sys.argv[2])))" \
    "$RICOCHET_TEST_POSTGRES" "$1"
}
psql_on() {  # psql_on DB SQL
  psql -X -q -At -v ON_ERROR_STOP=1 "$(url "$1" | sed 's|^postgres://|postgresql://|')" -c "$2"
}
createdb() { psql_on postgres "CREATE DATABASE $1" >/dev/null; }

nodes=()
start() {  # start PORT DATABASE NAME: a node, in the background, until healthy
  "$bin" serve --http "127.0.0.1:$1" --public-url "http://127.0.0.1:$1" --allow-private-networks \
    --database "$2" --node-name "$3" --log-level warning >"$work/$3.out" 2>&1 &
  nodes+=($!)
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return 0; sleep 0.1; done
  echo "node $3 did not start"; cat "$work/$3.out"; exit 1
}
stop_all() {
  for pid in "${nodes[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${nodes[@]}"; do wait "$pid" 2>/dev/null || true; done
  nodes=()
}
balance() {  # balance PORT BACKEND_PORT...: haproxy on PORT, round robin
  local front=$1
  {
    echo "global"
    echo "  maxconn 4096"
    echo "defaults"
    echo "  mode http"
    echo "  timeout connect 2s"
    echo "  timeout client 60s"
    echo "  timeout server 60s"
    echo "frontend bench"
    echo "  bind 127.0.0.1:$1"
    echo "  default_backend nodes"
    echo "backend nodes"
    echo "  balance roundrobin"
    shift
    for port in "$@"; do echo "  server n$port 127.0.0.1:$port"; done
  } >"$work/haproxy-$front.cfg"
  haproxy -f "$work/haproxy-$front.cfg" -D -p "$work/haproxy-$front.pid"
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$front/readyz" >/dev/null && return 0; sleep 0.1; done
}
pixel_of() {  # pixel_of PORT KEY: a new message's tracked pixel path
  curl -s -X POST "http://127.0.0.1:$1/api/v1/messages" -H "Authorization: Bearer $2" \
    -d '{"recipient": "bench@example.com", "tags": ["bench"], "html": "<p>hello</p>"}' \
    | python3 -c "import json,re,sys; print(re.search(r'/t/o/[A-Za-z0-9_-]+', json.load(sys.stdin)['html']).group(0))"
}
run() {  # run NAME URL -> "NAME requests/s p50 p99"
  local out
  out=$(wrk -t2 -c32 -d"${duration}s" --latency "$2")
  echo "$1 $(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1 == "50%" {print $2}') $(echo "$out" | awk '$1 == "99%" {print $2}')"
}
ratio() { python3 -c "print(f'{float(\"$1\") / float(\"$2\"):.2f}')"; }
field() { echo "$1" | cut -d' ' -f"$2"; }

echo "one machine ($(nproc) cores), Ricochet $("$bin" --version), PostgreSQL $(psql_on postgres 'SHOW server_version'), fsync $(psql_on postgres 'SHOW fsync'), synchronous_commit $(psql_on postgres 'SHOW synchronous_commit')"

# (a) durable opens.
start 18380 "sqlite:$work/open.db" sqlite
key=$(grep -oE 'rk_[A-Za-z0-9]{32}' "$work/sqlite.out" | head -1)
pixel=$(pixel_of 18380 "$key")
sqlite_open=$(run sqlite-1 "http://127.0.0.1:18380$pixel")
stop_all
createdb bench_open
start 18381 "$(url bench_open)" pg-1
key=$(grep -oE 'rk_[A-Za-z0-9]{32}' "$work/pg-1.out" | head -1)
pixel=$(pixel_of 18381 "$key")
pg_open=$(run postgres-1 "http://127.0.0.1:18381$pixel")
stop_all
createdb bench_three
start 18382 "$(url bench_three)" pg-a
start 18383 "$(url bench_three)" pg-b
start 18384 "$(url bench_three)" pg-c
key=$(grep -oE 'rk_[A-Za-z0-9]{32}' "$work/pg-a.out" | head -1)
pixel=$(pixel_of 18382 "$key")
balance 18385 18382
balance 18386 18382 18383 18384
one_behind=$(run postgres-1-haproxy "http://127.0.0.1:18385$pixel")
three_behind=$(run postgres-3-haproxy "http://127.0.0.1:18386$pixel")
recorded=$(curl -s -H "Authorization: Bearer $key" "http://127.0.0.1:18382/api/v1/statistics?interval=hour" \
  | python3 -c "import json,sys; print(json.load(sys.stdin)['totals']['open']['total'])")
stop_all
kill "$(cat "$work/haproxy-18385.pid")" "$(cat "$work/haproxy-18386.pid")"
echo "(a) durable opens, wrk -t2 -c32 -d${duration}s on one pixel"
printf '    %-20s %12s %10s %10s\n' target requests/s p50 p99
for line in "$sqlite_open" "$pg_open" "$one_behind" "$three_behind"; do
  # shellcheck disable=SC2086
  printf '    %-20s %12s %10s %10s\n' $line
done
echo "    PostgreSQL / SQLite, one node:        $(ratio "$(field "$pg_open" 2)" "$(field "$sqlite_open" 2)")x"
echo "    three nodes / one, both behind haproxy: $(ratio "$(field "$three_behind" 2)" "$(field "$one_behind" 2)")x"
echo "    opens recorded by the three-node database: $recorded"

# (b) draining a backlog of one loop.
loop_json="{\"url\": \"http://127.0.0.1:$nginx_port/hook\", \"events\": [\"open\"], \"format\": \"json\", \"delivery\": {\"concurrency\": $concurrency}}"
prepare_loop() {  # prepare_loop PORT DATABASE NAME: a node makes the schema, an account and the loop, then stops
  start "$1" "$2" "$3"
  local key
  key=$(grep -oE 'rk_[A-Za-z0-9]{32}' "$work/$3.out" | head -1)
  curl -s -X POST "http://127.0.0.1:$1/api/v1/loops" -H "Authorization: Bearer $key" -d "$loop_json" >/dev/null
  stop_all
}
body_sql="json_build_object('id', 'msg_benchmarkbenchmar', 'type', 'open', 'timestamp', '2026-11-29 10:00:00',
  'time', 1, 'recipient', 'reader@example.com', 'ip', '203.0.113.7',
  'useragent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36', 'referer', '',
  'tags', json_build_array('newsletter'), 'machine', false, 'event', 'evt_bench' || lpad(i::text, 15, '0'))::text"
fill_postgres() {  # fill_postgres DB COUNT: COUNT events and their queued deliveries, in chunks
  local from=0 chunk=100000
  while [ "$from" -lt "$2" ]; do
    local to=$(( from + chunk < $2 ? from + chunk : $2 ))
    psql_on "$1" "
      WITH made AS (
        INSERT INTO events (id, account_id, type, message_id, occurred_at, machine_reason, variables)
        SELECT 'evt_bench' || lpad(i::text, 15, '0'), (SELECT id FROM accounts LIMIT 1), 'open', NULL,
          (extract(epoch FROM now()) * 1000)::bigint, NULL, $body_sql
        FROM generate_series($from, $(( to - 1 ))) AS i
        RETURNING seq, id, account_id, occurred_at)
      INSERT INTO deliveries (id, loop_id, account_id, event_seq, webhook_id, format, status, due_at, created_at, updated_at)
      SELECT 'dlv_' || substr(md5(random()::text || made.seq), 1, 20), loops.id, made.account_id, made.seq, made.id,
        loops.format, 'queued', made.occurred_at, made.occurred_at, made.occurred_at
      FROM made, loops" >/dev/null
    from=$to
  done
  psql_on "$1" "SELECT count(*) FROM deliveries WHERE status = 'queued'"
}
fill_sqlite() {  # fill_sqlite PATH COUNT
  python3 - "$1" "$2" <<'PY'
import json, sqlite3, sys, time
db, count = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
account = c.execute("SELECT id FROM accounts").fetchone()[0]
now = int(time.time() * 1000)
body = {"id": "msg_benchmarkbenchmar", "type": "open", "timestamp": "2026-11-29 10:00:00", "time": 1,
        "recipient": "reader@example.com", "ip": "203.0.113.7",
        "useragent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36", "referer": "",
        "tags": ["newsletter"], "machine": False}
rows = ((f"evt_bench{i:015d}", account, "open", None, now, None, json.dumps(dict(body, event=f"evt_bench{i:015d}")))
        for i in range(count))
c.executemany("INSERT INTO events (id, account_id, type, message_id, occurred_at, machine_reason, variables) "
              "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
loop, form = c.execute("SELECT id, format FROM loops").fetchone()
c.execute("INSERT INTO deliveries (id, loop_id, account_id, event_seq, webhook_id, format, status, due_at, created_at, "
          "updated_at) SELECT 'dlv_' || lower(hex(randomblob(10))), ?, account_id, seq, id, ?, 'queued', ?, ?, ? "
          "FROM events", (loop, form, now, now, now))
c.commit()
print(c.execute("SELECT COUNT(*) FROM deliveries WHERE status = 'queued'").fetchone()[0])
PY
}
# The loop is validated once its nodes run: each drain is timed from the same
# start, whatever the nodes were doing before (taking their loops).
validate_sqlite() {
  python3 -c "import sqlite3; c = sqlite3.connect('$1', timeout=30); c.execute(\"UPDATE loops SET status = 'validated', validated_at = 0\"); c.commit()"
}
validate_postgres() { psql_on "$1" "UPDATE loops SET status = 'validated', validated_at = 0" >/dev/null; }
queued_sqlite() {
  python3 -c "import sqlite3; print(sqlite3.connect('file:$1?mode=ro', uri=True).execute(\"SELECT COUNT(*) FROM deliveries WHERE status IN ('queued','sending')\").fetchone()[0])"
}
queued_postgres() { psql_on "$1" "SELECT count(*) FROM deliveries WHERE status IN ('queued', 'sending')"; }
drain() {  # drain COUNT QUEUED_COMMAND...: deliveries/s from now until the queue is empty
  local count=$1 start end
  shift
  start=$(date +%s.%N)
  while [ "$("$@")" -gt 0 ]; do sleep 0.2; done
  end=$(date +%s.%N)
  python3 -c "print(f'{$count / ($end - $start):.0f}')"
}

prepare_loop 18387 "sqlite:$work/drain.db" sqlite-drain
echo "(b) draining $(fill_sqlite "$work/drain.db" "$events") deliveries of one loop, concurrency $concurrency, into nginx"
start 18387 "sqlite:$work/drain.db" sqlite-drain
validate_sqlite "$work/drain.db"
sqlite_drain=$(drain "$events" queued_sqlite "$work/drain.db")
stop_all
createdb bench_drain
prepare_loop 18388 "$(url bench_drain)" pg-drain
fill_postgres bench_drain "$events" >/dev/null
start 18388 "$(url bench_drain)" pg-drain
validate_postgres bench_drain
pg_drain=$(drain "$events" queued_postgres bench_drain)
stop_all
createdb bench_drain3
prepare_loop 18388 "$(url bench_drain3)" pg-drain3
fill_postgres bench_drain3 "$events" >/dev/null
start 18388 "$(url bench_drain3)" pg-drain3-a
start 18389 "$(url bench_drain3)" pg-drain3-b
start 18390 "$(url bench_drain3)" pg-drain3-c
validate_postgres bench_drain3
pg3_drain=$(drain "$events" queued_postgres bench_drain3)
stop_all
echo "    SQLite, one node:                     $sqlite_drain deliveries/s"
echo "    PostgreSQL, one node:                 $pg_drain deliveries/s ($(ratio "$pg_drain" "$sqlite_drain")x SQLite)"
echo "    PostgreSQL, three nodes (one owner):  $pg3_drain deliveries/s ($(ratio "$pg3_drain" "$pg_drain")x one node)"

# (c) memory draining a large backlog on PostgreSQL.
createdb bench_backlog
prepare_loop 18388 "$(url bench_backlog)" pg-backlog
before=$(fill_postgres bench_backlog "$backlog")
start 18388 "$(url bench_backlog)" pg-backlog
validate_postgres bench_backlog
server=${nodes[0]}
max=0
for _ in $(seq 1 "$sample"); do
  sleep 1
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
  [ "$rss" -gt "$max" ] && max=$rss
done
after=$(queued_postgres bench_backlog)
stop_all
echo "(c) a PostgreSQL node draining a backlog of $before deliveries for ${sample} s"
echo "    drained:                              $(( (before - after) / sample )) deliveries/s ($before -> $after queued)"
echo "    largest resident memory:              $((max / 1024)) MiB"

# (d) across nodes: opens recorded by node A, their loop owned by node B;
# milliseconds from each hit's recorded arrival to its POST's arrival at a
# second nginx (which logs when and which webhook-id), at about 400 opens a
# second for 10 s (4 connections, each pausing 10 ms between requests).
receiver_port=18395
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
createdb bench_latency
start 18393 "$(url bench_latency)" node-b
key=$(grep -oE 'rk_[A-Za-z0-9]{32}' "$work/node-b.out" | head -1)
loop=$(python3 - 18393 "$key" "$receiver_port" "$work" <<'PY'
import http.client, json, os, sys
port, key, receiver_port, work = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
def api(method, path, body=None):
    c.request(method, path, json.dumps(body) if body is not None else None, {"Authorization": "Bearer " + key})
    return json.loads(c.getresponse().read() or b"null")
loop = api("POST", "/api/v1/loops", {"url": "http://127.0.0.1:%d/hook" % receiver_port, "events": ["open"],
                                     "format": "json", "delivery": {"concurrency": 16}})
with open(os.path.join(work, "www", loop["validation"]["filename"]), "w") as f:
    f.write(loop["validation"]["content"])
assert api("POST", "/api/v1/loops/%s/validate" % loop["id"])["status"] == "validated"
print(loop["id"])
PY
)
for _ in $(seq 1 100); do
  [ -n "$(psql_on bench_latency "SELECT holder FROM leases WHERE name = 'loop:$loop'")" ] && break; sleep 0.1
done
start 18392 "$(url bench_latency)" node-a
python3 - 18392 "$key" "$work" <<'PY'
import http.client, json, re, sys
port, key, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
with open(work + "/pixels.txt", "w") as pixels:
    for _ in range(5):
        c.request("POST", "/api/v1/messages/batch", json.dumps(
            {"messages": [{"recipient": "r%d@example.com" % i, "html": "<p>x</p>"} for i in range(1000)]}),
            {"Authorization": "Bearer " + key})
        for m in json.loads(c.getresponse().read())["messages"]:
            pixels.write(re.search(r"/t/o/[A-Za-z0-9_-]+", m["html"]).group(0) + "\n")
PY
cat >"$work/pixels.lua" <<LUA
local count = 0
function setup(thread) thread:set("first", count); count = count + 1 end
function init(args)
  paths = {}
  for line in io.lines("$work/pixels.txt") do paths[#paths + 1] = line end
  i = first * 1000
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {["User-Agent"] = "Mozilla/5.0 (X11) Latency"})
end
function delay() return 10 end
LUA
: >"$work/arrivals.log"; kill -USR1 "$(cat "$work/receiver.pid")"
wrk -t2 -c4 -d10s -s "$work/pixels.lua" "http://127.0.0.1:18392" >"$work/pixels.wrk"
owner=$(psql_on bench_latency "SELECT holder FROM leases WHERE name = 'loop:$loop'")
total=$(psql_on bench_latency "SELECT count(*) FROM events WHERE type = 'open'")
for _ in $(seq 1 200); do
  [ "$(grep -c POST "$work/arrivals.log")" -ge "$total" ] && break; sleep 0.1
done
psql_on bench_latency "SELECT id || ' ' || occurred_at FROM events WHERE type = 'open'" >"$work/hits.txt"
stop_all
kill "$(cat "$work/receiver.pid")"; rm -f "$work/receiver.pid"
python3 - "$work" "$owner" <<'PY'
import sys
work, owner = sys.argv[1], sys.argv[2]
arrived = {}
for line in open(work + "/arrivals.log"):
    at, webhook, method = line.split()
    if method == "POST": arrived.setdefault(webhook, float(at) * 1000)
hits = dict((e, int(t)) for e, t in (line.split() for line in open(work + "/hits.txt")))
latencies = sorted(arrived[e] - at for e, at in hits.items() if e in arrived)
span = (max(hits.values()) - min(hits.values())) / 1000
print("(d) recorded on node-a, sent by the loop's owner %s, at %.0f opens/s" % (owner.split("#")[0], len(hits) / span))
print("    hit to POST: p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d of %d delivered)" % (
    latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)], latencies[-1], len(latencies), len(hits)))
PY
