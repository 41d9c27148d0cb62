#!/usr/bin/env bash
# Unbatched deliveries with a new loop's default schemes, with classic-rsa
# alone, and batched (100 a request), for each binary named, alternating the
# binaries within each of ROUNDS rounds so that they share the machine's
# noise; every round also measures wrk POSTing a delivery-sized body to the
# same nginx, and `openssl speed rsa2048` on all cores. Prints every run
# (deliveries/s and the server's CPU microseconds a delivery, from
# /proc/PID/stat), then each binary's medians as ratios to wrk and openssl.
#
#   Benchmarks/delivery-side-by-side.sh [--rounds N] [--events E] BINARY...
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3
events=20000
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --events) events=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--rounds N] [--events E] BINARY..." >&2; exit 2; }
binaries=("$@")
RICOCHET_BIN=${binaries[0]}
# shellcheck source=Benchmarks/nginx-setup.sh
source Benchmarks/nginx-setup.sh
port=18590
nginx_port=18591
start_receiver_nginx "$nginx_port"
# shellcheck source=Benchmarks/backlog.sh
source Benchmarks/backlog.sh
write_post_lua "$work/post.lua"

results="$work/results"
echo "one machine ($(nproc) cores), $events deliveries a run, loop concurrency $concurrency"
for round in $(seq 1 "$rounds"); do
  wrk_rate=$(wrk -t2 -c"$concurrency" -d10s -s "$work/post.lua" "http://127.0.0.1:$nginx_port/hook" | awk '/Requests\/sec/ {print $2}')
  rsa=$(openssl speed -seconds 3 -multi "$(nproc)" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')
  echo "round $round  wrk $wrk_rate/s  openssl rsa2048 $rsa signs/s"
  echo "wrk - $wrk_rate" >>"$results"
  echo "rsa - $rsa" >>"$results"
  for bin in "${binaries[@]}"; do
    for case in defaults classic-rsa batched; do
      case $case in
        defaults) prepare "$work/run.db" "$events" >/dev/null ;;
        classic-rsa) prepare "$work/run.db" "$events" "" '["classic-rsa"]' >/dev/null ;;
        batched) prepare "$work/run.db" "$events" '{"max_events": 100, "max_wait_ms": 50}' >/dev/null ;;
      esac
      read -r seconds cpu_seconds < <(drain "$work/run.db")
      read -r rate cpu < <(python3 -c "print(f'{$events / $seconds:.0f} {$cpu_seconds / $events * 1e6:.0f}')")
      rm -f "$work/run.db" "$work/run.db-wal" "$work/run.db-shm"
      printf 'round %s  %-40s %-12s %6s deliveries/s  %5s CPU µs a delivery\n' "$round" "$bin" "$case" "$rate" "$cpu"
      echo "$case $bin $rate $cpu" >>"$results"
    done
  done
done
python3 - "$results" "${binaries[@]}" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
median = lambda xs: statistics.median(float(x) for x in xs)
wrk = median(r[2] for r in rows if r[0] == "wrk")
rsa = median(r[2] for r in rows if r[0] == "rsa")
print(f"medians: wrk {wrk:.0f}/s, openssl rsa2048 {rsa:.0f} signs/s")
for binary in sys.argv[2:]:
    for case in ("defaults", "classic-rsa", "batched"):
        runs = [r for r in rows if r[0] == case and r[1] == binary]
        rate, cpu = median(r[2] for r in runs), median(r[3] for r in runs)
        against = f"{rate / rsa:.0%} of openssl" if case == "classic-rsa" else f"{rate / wrk:.3f}x wrk"
        print(f"{binary:40} {case:12} {rate:6.0f} deliveries/s  {cpu:5.0f} CPU µs  {against}")
PY
