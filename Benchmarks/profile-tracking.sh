#!/usr/bin/env bash
# Where a tracked hit's time goes. A server on a fresh SQLite database takes
# DURATION seconds of open pixels (then of clicks) from wrk; what each hit
# cost is read from the kernel's count of the server's CPU time (user +
# system, /proc/PID/stat) divided by the hits it recorded, so the figure is
# CPU microseconds a durable hit rather than a rate that other load moves.
# With MESSAGES above 1, the hits are spread at random over that many
# messages (as a campaign's opens are), so that an index on the message
# writes a page of its own for most hits instead of one page a commit.
# With `perf` as the fourth argument the open run is sampled (cpu-clock) and
# its hottest symbols printed; perf.data stays in OUT for `perf report`.
#
#   Benchmarks/profile-tracking.sh [DURATION_SECONDS] [OUT] [MESSAGES] [perf]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
out=${2:-artifacts/profile}
messages=${3:-1}
mode=${4:-}
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ "$mode" = perf ] && { command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null; }; }
# shellcheck source=Benchmarks/nginx-setup.sh
source Benchmarks/nginx-setup.sh
port=18490

record=()
[ "$mode" = perf ] && record=(perf record -e cpu-clock -F 999 -g -o "$out/tracking.perf.data" --)
"${record[@]}" "$bin" serve --http 127.0.0.1:$port --public-url http://127.0.0.1:$port --database "sqlite:$work/t.db" \
  --log-level warning >"$work/ricochet.out" 2>"$work/ricochet.err" &
server=$!
for _ in $(seq 1 300); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && break; sleep 0.1; done
pid=$(pgrep -n -f "sqlite:$work/t.db")
key=$(grep -oE 'rk_[A-Za-z0-9]{32}' "$work/ricochet.out" | head -1)
python3 - "$messages" >"$work/batch.json" <<'PY'
import json, sys
print(json.dumps({"messages": [
    {"recipient": f"bench{i}@example.com", "tags": ["bench"],
     "html": '<a href="https://example.com/landing">go</a>'} for i in range(int(sys.argv[1]))]}))
PY
curl -sf -X POST http://127.0.0.1:$port/api/v1/messages/batch -H "Authorization: Bearer $key" \
  --data-binary @"$work/batch.json" >"$work/messages.json"
# One wrk script a kind: each request takes one of the messages' URLs at random.
for kind in open click; do
  python3 - "$work/messages.json" "$kind" >"$work/$kind.lua" <<'PY'
import json, re, sys
pattern = {"open": r"/t/o/[A-Za-z0-9_-]+", "click": r"/t/c/[A-Za-z0-9_-]+"}[sys.argv[2]]
urls = [re.search(pattern, m["html"]).group(0) for m in json.load(open(sys.argv[1]))["messages"]]
print("local urls = {" + ",".join(f'"{u}"' for u in urls) + "}")
print("math.randomseed(1)")
print("request = function() return wrk.format('GET', urls[math.random(#urls)]) end")
PY
done

ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
recorded() {  # recorded TYPE: events of TYPE in the database
  python3 -c "import sqlite3; print(sqlite3.connect('file:$work/t.db?mode=ro', uri=True).execute(\"SELECT COUNT(*) FROM events WHERE type = '$1'\").fetchone()[0])"
}
echo "Ricochet $("$bin" --version), wrk -t2 -c32 -d${duration}s, hits over $messages messages, $(nproc) cores"
for kind in open click; do
  before=$(ticks)
  rps=$(wrk -t2 -c32 -d"${duration}s" -s "$work/$kind.lua" "http://127.0.0.1:$port" | awk '/Requests\/sec/ {print $2}')
  after=$(ticks)
  hits=$(recorded $kind)
  printf '%-6s %10s requests/s %8s hits recorded %6s CPU microseconds a hit\n' "$kind" "$rps" "$hits" \
    "$(python3 -c "import os; print(round(($after - $before) / os.sysconf('SC_CLK_TCK') / $hits * 1e6))")"
done
python3 -c "
import sqlite3
db = sqlite3.connect('file:$work/t.db?mode=ro', uri=True)
rows, width = db.execute(\"SELECT COUNT(*), AVG(LENGTH(variables)) FROM events WHERE type IN ('open', 'click')\").fetchone()
print(f'{rows} hit rows, {width:.0f} bytes of variables a row')
"
ls -l "$work"/t.db* | awk '{print $5, $9}'
kill -TERM "$pid"; wait $server || true
if [ "$mode" = perf ]; then
  echo
  echo "hottest symbols (self):"
  set +o pipefail
  perf report -i "$out/tracking.perf.data" --no-children --sort symbol --stdio 2>/dev/null \
    | grep -E '^ +[0-9]' | head -40 | cut -c1-160
fi
