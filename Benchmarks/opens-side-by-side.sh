#!/usr/bin/env bash
# Durable opens of one pixel (wrk -t2 -c32), on SQLite and on one PostgreSQL
# node, for each binary named, alternating binaries within each of ROUNDS
# rounds so that they share the machine's noise; prints every run, then each
# binary's median and its PostgreSQL / SQLite ratio. PostgreSQL is a durable
# throw-away cluster (fsync and synchronous commit on, as SQLite's
# synchronous=FULL), started here unless RICOCHET_TEST_POSTGRES names one.
#
#   Benchmarks/opens-side-by-side.sh [--rounds N] [--seconds S] BINARY...
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${RICOCHET_TEST_POSTGRES:-}" ]; then
  RICOCHET_TEST_POSTGRES_DURABLE=1 exec scripts/with-postgres "$0" "$@"
fi
rounds=3
seconds=10
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--rounds N] [--seconds S] BINARY..." >&2; exit 2; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
export RICOCHET_SMTP=off
work=$(mktemp -d)
node=""
trap '[ -n "$node" ] && kill "$node" 2>/dev/null; rm -rf "$work"' EXIT

database_url() {  # database_url DB
  python3 -c "import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path='/' + sys.argv[2])))" \
    "$RICOCHET_TEST_POSTGRES" "$1"
}
measure() {  # measure BINARY DATABASE -> requests/s
  "$1" serve --http 127.0.0.1:18480 --public-url http://127.0.0.1:18480 --database "$2" --log-level warning \
    >"$work/node.out" 2>&1 &
  node=$!
  for _ in $(seq 1 300); do curl -sf http://127.0.0.1:18480/readyz >/dev/null && break; sleep 0.1; done
  local key pixel
  key=$(grep -oE 'rk_[A-Za-z0-9]{32}' "$work/node.out" | head -1)
  pixel=$(curl -s -X POST http://127.0.0.1:18480/api/v1/messages -H "Authorization: Bearer $key" \
    -d '{"recipient": "bench@example.com", "tags": ["bench"], "html": "<p>hello</p>"}' \
    | python3 -c "import json,re,sys; print(re.search(r'/t/o/[A-Za-z0-9_-]+', json.load(sys.stdin)['html']).group(0))")
  wrk -t2 -c32 -d"${seconds}s" "http://127.0.0.1:18480$pixel" | awk '/Requests\/sec/ {print $2}'
  kill -TERM "$node"
  wait "$node" || true
  node=""
}

results="$work/results"
run=0
for round in $(seq 1 "$rounds"); do
  for index in $(seq 1 $#); do
    binary=${!index}
    run=$((run + 1))
    sqlite=$(measure "$binary" "sqlite:$work/run$run.db")
    psql -X -q "$(database_url postgres | sed 's|^postgres://|postgresql://|')" -c "CREATE DATABASE run$run"
    postgres=$(measure "$binary" "$(database_url "run$run")")
    echo "round $round  $binary  sqlite $sqlite/s  postgres $postgres/s"
    echo "$index $sqlite $postgres" >>"$results"
  done
done
python3 - "$results" "$@" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
for index, binary in enumerate(sys.argv[2:], start=1):
    mine = [(float(s), float(p)) for i, s, p in rows if int(i) == index]
    sqlite = statistics.median(s for s, _ in mine)
    postgres = statistics.median(p for _, p in mine)
    ratios = statistics.median(p / s for s, p in mine)
    print(f"{binary}: median sqlite {sqlite:,.0f}/s, postgres {postgres:,.0f}/s, "
          f"postgres/sqlite {ratios:.2f}x (median of each round's ratio)")
PY
