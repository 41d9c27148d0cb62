# Sourced by the delivery benchmarks (after nginx-setup.sh, with $port and
# $nginx_port set): `prepare DB EVENTS [BATCH_JSON] [SIGNING_JSON]` makes a
# database with an account and a validated JSON loop pointing at nginx, with
# EVENTS queued deliveries to it, and prints how many are queued. Delivery
# ids are in time order, as the server makes them; IDS=random gives each a
# random id instead, as the server did before (to compare the two).
# `queued DB` counts what is left to send; `drain DB [PERF_DATA]` runs a
# server until nothing is.
concurrency=${concurrency:-32}

prepare() {  # prepare DB EVENTS [BATCH_JSON] [SIGNING_JSON]
  "$bin" serve --http 127.0.0.1:$port --allow-private-networks --database "sqlite:$1" --log-level warning \
    >"$work/prepare.out" 2>&1 &
  local server=$!
  for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && break; sleep 0.1; done
  local key
  key=$(grep -oE 'rk_[A-Za-z0-9]{32}' "$work/prepare.out" | head -1)
  curl -s -X POST http://127.0.0.1:$port/api/v1/loops -H "Authorization: Bearer $key" \
    -d "{\"url\": \"http://127.0.0.1:$nginx_port/hook\", \"events\": [\"open\"], \"format\": \"json\",
         \"delivery\": {\"concurrency\": $concurrency${3:+, \"batch\": $3}}${4:+, \"signing\": $4}}" >/dev/null
  kill -TERM $server; wait $server
  python3 - "$1" "$2" "${IDS:-ordered}" <<'PY'
import json, sqlite3, sys, time
db, count, ids = sys.argv[1], int(sys.argv[2]), sys.argv[3]
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
# What the server's fan-out would have queued: one delivery per event to the loop.
loop, form = c.execute("SELECT id, format FROM loops").fetchone()
new_id = "lower(hex(randomblob(10)))" if ids == "random" else "printf('bench%015d', seq)"
c.execute("INSERT INTO deliveries (id, loop_id, account_id, event_seq, webhook_id, format, status, due_at, created_at, "
          f"updated_at) SELECT 'dlv_' || {new_id}, ?, account_id, seq, id, ?, 'queued', ?, ?, ? "
          "FROM events", (loop, form, now, now, now))
c.commit()
print(c.execute("SELECT COUNT(*) FROM deliveries WHERE status = 'queued'").fetchone()[0])
PY
}


steady_rate() {  # steady_rate DB SECONDS: deliveries/s over a window of a drain, start-up and tail left out
  "$bin" serve --http 127.0.0.1:$port --allow-private-networks --database "sqlite:$1" \
    --log-level warning >"$1.out" 2>&1 &
  local server=$! first second
  for _ in $(seq 1 300); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && break; sleep 0.1; done
  sleep 1
  first=$(queued "$1")
  sleep "$2"
  second=$(queued "$1")
  kill -TERM "$server"; wait "$server" || true
  if [ "$second" -eq 0 ]; then echo "drained before the window ended; queue more" >&2; fi
  python3 -c "print(f'{($first - $second) / $2:.0f}')"
}

queued() {  # queued DB: how many of DB's deliveries are queued or being sent
  python3 -c "import sqlite3; print(sqlite3.connect('file:$1?mode=ro', uri=True).execute(\"SELECT COUNT(*) FROM deliveries WHERE status IN ('queued','sending')\").fetchone()[0])"
}

# drain DB [PERF_DATA]: a server empties DB's queue; prints the seconds it
# took from its start and the CPU seconds it used (user + system, from
# /proc/PID/stat, start-up and shutdown included). With PERF_DATA, perf
# samples it into that file.
drain() {
  local record=()
  if [ -n "${2:-}" ]; then record=(perf record -e cpu-clock -F 499 -g -o "$2" --); fi
  local start server pid end ticks
  start=$(date +%s.%N)
  "${record[@]}" "$bin" serve --http 127.0.0.1:$port --allow-private-networks --database "sqlite:$1" \
    --log-level warning >"$1.out" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && break; sleep 0.1; done
  pid=$server
  if [ -n "${2:-}" ]; then pid=$(pgrep -n -f "sqlite:$1"); fi
  while [ "$(queued "$1")" -gt 0 ]; do sleep 0.2; done
  end=$(date +%s.%N)
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill -TERM "$pid"; wait "$server" || true
  python3 -c "import os; print(f'{$end - $start:.3f} {$ticks / os.sysconf(\"SC_CLK_TCK\"):.3f}')"
}
