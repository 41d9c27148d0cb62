#!/usr/bin/env bash
# Where a delivery's time goes. For each signature scheme, a server drains a
# backlog of EVENTS deliveries to a local nginx; what it cost is read from
# the kernel's count of its CPU time (user + system, /proc/PID/stat), so the
# figure is CPU microseconds a delivery rather than a rate that other load
# on the machine moves. The default schemes' run is sampled with perf
# (cpu-clock: this machine has no hardware counters, and valgrind 3.19
# cannot read the binary), and its hottest symbols are printed; perf.data
# stays in OUT for `perf report`. A last run drains the backlog batched (100
# events a request, the default schemes). PERF_SCHEMES names the run sampled
# instead (as printed, e.g. PERF_SCHEMES=classic-rsa, or batched).
#
#   Benchmarks/profile-delivery.sh [EVENTS] [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000}
sampled=${PERF_SCHEMES:-standard-webhooks,http-message-signatures}
out=${2:-artifacts/profile}
mkdir -p "$out"
out=$(cd "$out" && pwd)
command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null; }
# shellcheck source=Benchmarks/nginx-setup.sh
source Benchmarks/nginx-setup.sh
port=18390
nginx_port=18391
start_receiver_nginx "$nginx_port"
# shellcheck source=Benchmarks/backlog.sh
source Benchmarks/backlog.sh

cpu() {  # cpu NAME DB [perf]: CPU seconds of a server draining DB (start-up and shutdown included)
  local cpu_seconds
  read -r _ cpu_seconds < <(drain "$2" ${3:+"$out/$1.perf.data"})
  echo "$cpu_seconds"
}

echo "Ricochet $("$bin" --version), $events deliveries a run, $(nproc) cores"
prepare "$work/empty.db" 0 >/dev/null
base=$(cpu empty "$work/empty.db")
echo "a run with nothing to send: $base CPU seconds"
for signing in standard-webhooks,http-message-signatures standard-webhooks http-message-signatures \
  standard-webhooks-ed25519 classic-rsa standard-webhooks,classic-rsa; do
  json=$(python3 -c "import json,sys; print(json.dumps(sys.argv[1].split(',')))" "$signing")
  name=${signing//,/_}
  prepare "$work/$name.db" "$events" "" "$json" >/dev/null
  mode=""
  [ "$signing" = "$sampled" ] && mode=perf
  seconds=$(cpu "$name" "$work/$name.db" $mode)
  printf '%-45s %6s CPU microseconds a delivery\n' "$signing:" \
    "$(python3 -c "print(round(($seconds - $base) / $events * 1e6))")"
done
prepare "$work/batched.db" "$events" '{"max_events": 100, "max_wait_ms": 50}' >/dev/null
mode=""
[ "$sampled" = batched ] && mode=perf
seconds=$(cpu batched "$work/batched.db" $mode)
printf '%-45s %6s CPU microseconds a delivery\n' "batched, 100 a request:" \
  "$(python3 -c "print(round(($seconds - $base) / $events * 1e6))")"
echo
echo "hottest symbols (self), $sampled:"
# head closes the pipe early: not a failure.
set +o pipefail
perf report -i "$out/${sampled//,/_}.perf.data" --no-children --sort symbol --stdio 2>/dev/null \
  | grep -E '^ +[0-9]' | head -30 | cut -c1-160
