#!/usr/bin/env bash
# Tracking throughput, side by side with nginx in one run on one machine:
#   (a) open pixel (recorded durably) vs nginx serving a static GIF,
#   (b) click redirect (recorded durably) vs nginx answering a 302.
# Same wrk settings for all four. Prints requests/s, p50 and p99 latency, and
# the ratio Ricochet / nginx. Installs wrk and nginx from Debian if missing.
#
#   Benchmarks/tracking.sh [DURATION_SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-32}

# shellcheck source=Benchmarks/nginx-setup.sh
source Benchmarks/nginx-setup.sh

# Ricochet on a fresh database.
"$bin" serve --http 127.0.0.1:18090 --public-url http://127.0.0.1:18090 --database "sqlite:$work/bench.db" \
  --log-level warning >"$work/ricochet.out" 2>"$work/ricochet.err" &
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18090/readyz >/dev/null && break; sleep 0.1; done
key=$(grep -oE 'rk_[A-Za-z0-9]{32}' "$work/ricochet.out" | head -1)
curl -s -X POST http://127.0.0.1:18090/api/v1/messages -H "Authorization: Bearer $key" \
  -d '{"recipient": "bench@example.com", "tags": ["bench"], "html": "<a href=\"https://example.com/landing\">go</a>"}' \
  >"$work/message.json"
pixel=$(python3 -c "import json,re; print(re.search(r'/t/o/[A-Za-z0-9_-]+', json.load(open('$work/message.json'))['html']).group(0))")
click=$(python3 -c "import json,re; print(re.search(r'/t/c/[A-Za-z0-9_-]+', json.load(open('$work/message.json'))['html']).group(0))")

# nginx with the same answers: a static 43-byte GIF, and a 302.
printf 'GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff\x21\xf9\x04\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b' >"$work/pixel.gif"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  server {
    listen 127.0.0.1:18091;
    location = /pixel.gif { root $work; add_header Cache-Control "no-store"; types { image/gif gif; } }
    location = /click { return 302 https://example.com/landing; }
  }
}
CONF
nginx -c "$work/nginx.conf"
sleep 0.5

run() {  # run NAME URL -> "NAME requests/s p50 p99"
  local out
  out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "$2")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  local errors
  errors=$(echo "$out" | awk '/Non-2xx or 3xx/ {print $5}')
  echo "$1 $rps $p50 $p99 ${errors:-0}"
}

echo "wrk -t2 -c$connections -d${duration}s, one machine ($(nproc) cores), Ricochet $("$bin" --version)"
results=()
results+=("$(run nginx-gif http://127.0.0.1:18091/pixel.gif)")
results+=("$(run ricochet-open http://127.0.0.1:18090$pixel)")
results+=("$(run nginx-302 http://127.0.0.1:18091/click)")
results+=("$(run ricochet-click http://127.0.0.1:18090$click)")
printf '%-16s %12s %10s %10s %8s\n' target requests/s p50 p99 errors
for line in "${results[@]}"; do
  # shellcheck disable=SC2086
  printf '%-16s %12s %10s %10s %8s\n' $line
done
ratio() { python3 -c "print(f'{float(\"$1\") / float(\"$2\"):.2f}')"; }
gif=$(echo "${results[0]}" | cut -d' ' -f2); open=$(echo "${results[1]}" | cut -d' ' -f2)
redirect=$(echo "${results[2]}" | cut -d' ' -f2); click_rps=$(echo "${results[3]}" | cut -d' ' -f2)
echo "open / nginx gif:    $(ratio "$open" "$gif")x"
echo "click / nginx 302:   $(ratio "$click_rps" "$redirect")x"
recorded=$(curl -s -H "Authorization: Bearer $key" "http://127.0.0.1:18090/api/v1/statistics?interval=hour" \
  | python3 -c "import json,sys; t=json.load(sys.stdin)['totals']; print(t['open']['total'], t['click']['total'])")
echo "events recorded (open click): $recorded"
