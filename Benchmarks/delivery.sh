#!/usr/bin/env bash
# Delivery throughput and memory, in one run on one machine, against a local
# nginx that answers 200 to every POST:
#   (a) deliveries/s Ricochet sustains draining a backlog (signed with a new
#       loop's default schemes, every attempt durably written), next to wrk
#       POSTing the same body to the same nginx with as many connections as
#       the loop's concurrency; then with each signature scheme alone, with
#       the schemes loops had before (standard-webhooks and classic-rsa) next
#       to what `openssl speed rsa2048` says the cores can sign, and batched (the whole drain,
#       start-up counted, and a steady window of a drain 15 times longer);
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

echo "one machine ($(nproc) cores), Ricochet $("$bin" --version), loop concurrency $concurrency"

# (a) wrk POSTing a delivery-sized JSON body to nginx.
write_post_lua "$work/post.lua"
wrk_rate=$(wrk -t2 -c$concurrency -d10s -s "$work/post.lua" "http://127.0.0.1:$nginx_port/hook" | awk '/Requests\/sec/ {print $2}')
echo "wrk POST to nginx:              $wrk_rate requests/s"

drain_rate() {  # drain_rate DB: deliveries/s while a server empties DB's queue
  local seconds
  read -r seconds _ < <(drain "$1")
  python3 -c "print(f'{$events / $seconds:.0f}')"
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
# The run above is short and counts the server's start: also a window of a longer drain.
echo "queued for the steady run:      $(prepare "$work/steady.db" $((events * 15)) '{"max_events": 100, "max_wait_ms": 50}')"
steady=$(steady_rate "$work/steady.db" 3)
echo "batched, steady state:          $steady deliveries/s over 3 s of that drain"
echo "ratio steady batched / wrk:     $(python3 -c "print(f'{$steady / $wrk_rate:.3f}')")x"

# (b) event-to-receiver latency at about 1,000 opens a second.
RICOCHET_BIN=$bin bash Benchmarks/latency.sh

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
