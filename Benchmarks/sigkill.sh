#!/usr/bin/env bash
# At-least-once under fire: opens are tracked at full speed while the server
# is killed with SIGKILL, again and again, and restarted. Afterwards every
# open that was answered must be recorded, and every recorded event must
# have reached the loop's receiver (duplicates allowed, with the same
# webhook-id). Prints the counts and exits non-zero if anything was lost.
#
#   Benchmarks/sigkill.sh [KILLS] [SECONDS_BETWEEN_KILLS]
set -euo pipefail
export RICOCHET_SMTP=off  # the benchmarks do not use the SMTP receiver
cd "$(dirname "$0")/.."
kills=${1:-5}
between=${2:-2}

swift build -c release --product ricochet >/dev/null 2>&1
bin=$(swift build -c release --show-bin-path)/ricochet
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=18190
receiver_port=18191

start_server() {
  "$bin" serve --http 127.0.0.1:$port --allow-private-networks --database "sqlite:$work/kill.db" \
    --log-level warning >>"$work/server.out" 2>>"$work/server.err" &
  server=$!
  for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && return 0; sleep 0.1; done
  echo "server did not start" >&2
  exit 1
}

# The receiver: appends each call's webhook-id to a file, answers 200.
cat >"$work/receiver.py" <<'PY'
import http.server, sys
out = open(sys.argv[2], "a", buffering=1)
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = FILES.get(self.path.rsplit("/", 1)[-1], "").encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        out.write(self.headers.get("webhook-id", "") + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
FILES = dict(arg.split(":", 1) for arg in sys.argv[3:])
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY

# The load: 16 threads opening the pixel; counts only answered opens.
cat >"$work/load.py" <<'PY'
import http.client, sys, threading, time
port, path, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
answered = 0
lock = threading.Lock()
def worker():
    global answered
    end = time.time() + seconds
    connection = None
    while time.time() < end:
        try:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path, headers={"User-Agent": "Mozilla/5.0 (X11) Load"})
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                with lock:
                    answered += 1
        except Exception:
            connection = None
            time.sleep(0.05)
threads = [threading.Thread(target=worker) for _ in range(16)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(answered)
PY

start_server
key=$(grep -oE 'rk_[A-Za-z0-9]{32}' "$work/server.out" | head -1)
api() { curl -s -H "Authorization: Bearer $key" "$@"; }
api -X POST http://127.0.0.1:$port/api/v1/loops \
  -d "{\"url\": \"http://127.0.0.1:$receiver_port/hook\", \"events\": [\"open\"], \"format\": \"json\"}" >"$work/loop.json"
read -r loop filename content < <(python3 -c "import json; l=json.load(open('$work/loop.json')); \
print(l['id'], l['validation']['filename'], l['validation']['content'])")
python3 "$work/receiver.py" $receiver_port "$work/received.txt" "$filename:$content" &
sleep 0.5
api -X POST http://127.0.0.1:$port/api/v1/loops/$loop/validate >/dev/null
api -X POST http://127.0.0.1:$port/api/v1/messages -d '{"recipient": "load@example.com", "html": "<p>x</p>"}' \
  >"$work/message.json"
pixel=$(python3 -c "import json,re; print(re.search(r'/t/o/[A-Za-z0-9_-]+', json.load(open('$work/message.json'))['html']).group(0))")

answered=0
for round in $(seq 1 "$kills"); do
  python3 "$work/load.py" $port "$pixel" "$((between + 1))" >"$work/answered.$round" &
  load=$!
  sleep "$between"
  kill -KILL "$server"
  wait "$server" 2>/dev/null || true
  start_server
  wait $load
  answered=$((answered + $(cat "$work/answered.$round")))
  echo "kill $round: $(cat "$work/answered.$round") opens answered this round"
done

# Let the deliveries drain, then compare.
events() { api "http://127.0.0.1:$port/api/v1/statistics" | python3 -c "import json,sys; print(json.load(sys.stdin)['totals']['open']['total'])"; }
for _ in $(seq 1 120); do
  recorded=$(events)
  delivered=$(sort -u "$work/received.txt" | grep -c . || true)
  [ "$delivered" -ge "$recorded" ] && break
  sleep 0.5
done
recorded=$(events)
ids=$(python3 - "$work/kill.db" <<'PY'
import sqlite3, sys
print("\n".join(row[0] for row in sqlite3.connect(sys.argv[1]).execute("SELECT id FROM events WHERE type = 'open'")))
PY
)
missing=$(comm -23 <(echo "$ids" | sort -u) <(sort -u "$work/received.txt") | grep -c . || true)
total=$(grep -c . "$work/received.txt" || true)
unique=$(sort -u "$work/received.txt" | grep -c . || true)
echo "kills: $kills; opens answered: $answered; events recorded: $recorded"
echo "calls received: $total; distinct webhook-ids: $unique; duplicates: $((total - unique))"
echo "answered but not recorded: $(( answered > recorded ? answered - recorded : 0 )); recorded but never delivered: $missing"
if [ "$recorded" -lt "$answered" ] || [ "$missing" -ne 0 ]; then
  echo "LOST EVENTS"
  exit 1
fi
echo "no event lost"
