# Sourced by the benchmarks that measure Ricochet next to nginx: installs wrk
# and nginx from Debian if missing, builds the release binary ($bin), makes a
# work directory ($work) and stops everything (every nginx too) on exit.
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# RICOCHET_BIN measures another build (an earlier commit's, side by side).
if [ -n "${RICOCHET_BIN:-}" ]; then
  bin=$RICOCHET_BIN
else
  swift build -c release --product ricochet >/dev/null 2>&1
  bin=$(swift build -c release --show-bin-path)/ricochet
fi
export RICOCHET_SMTP=off  # the benchmarks do not use the SMTP receiver
work=$(mktemp -d)
chmod 755 "$work"  # nginx workers may run as another user and serve files from it
# Under set -e a failed kill (a process already gone) would end the trap early.
trap 'kill $(jobs -p) 2>/dev/null || true; for pid in "$work"/*.pid; do [ -f "$pid" ] && { kill "$(cat "$pid")" 2>/dev/null || true; }; done; rm -rf "$work"' EXIT

start_receiver_nginx() {  # start_receiver_nginx PORT: an nginx on PORT answering 200 "ok" to everything
  cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  server { listen 127.0.0.1:$1; location / { return 200 "ok"; } }
}
CONF
  nginx -c "$work/nginx.conf"
}

write_post_lua() {  # write_post_lua FILE: a wrk script POSTing a delivery-sized JSON body
  python3 - >"$1" <<'PY'
import json
body = json.dumps({"id": "msg_benchmarkbenchmar", "type": "open", "timestamp": "2026-11-29 10:00:00", "time": 1,
                   "recipient": "reader@example.com", "ip": "203.0.113.7", "useragent": "Mozilla/5.0", "referer": "",
                   "tags": ["newsletter"], "machine": False, "event": "evt_bench000000000000001"})
print('wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"' % json.dumps(body))
PY
}
