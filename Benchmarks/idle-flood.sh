#!/usr/bin/env bash
# An idle-connection flood against the HTTP server, as the hardening issue
# found it: CLIENTS connections opened and left silent (more than the
# connection cap). Prints how many the server kept and refused, its open file
# descriptors at the peak, what a fresh /healthz got during the flood, and how
# long until the server answered 200 again and had closed every idle
# connection, while the flooding clients still held their ends open.
#
#   Benchmarks/idle-flood.sh [CLIENTS] [IDLE_TIMEOUT_SECONDS] [MAX_CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-12000}
idle=${2:-30}
cap=${3:-10000}
swift build -c release --product ricochet >/dev/null
bin=$(swift build -c release --show-bin-path)/ricochet
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
ulimit -n "$(ulimit -Hn)"
"$bin" serve --http 127.0.0.1:18093 --smtp off --http-idle-timeout "$idle" --http-max-connections "$cap" \
  --database "sqlite:$work/flood.db" --log-level warning >"$work/out" 2>"$work/err" &
server=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18093/readyz >/dev/null && break; sleep 0.1; done
python3 - "$clients" "$server" <<'PY'
import asyncio, json, os, sys, time
clients, pid = int(sys.argv[1]), int(sys.argv[2])

def fds():
    return len(os.listdir(f"/proc/{pid}/fd"))

async def healthz():
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", 18093), 5)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        line = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
        return int(line.split()[1]) if line else 0
    except (OSError, asyncio.TimeoutError, IndexError, ValueError):
        return 0

async def main():
    started = time.monotonic()
    held = []
    for _ in range(clients):
        try:
            held.append(await asyncio.open_connection("127.0.0.1", 18093))
        except OSError:
            break
    opened = time.monotonic() - started
    peak = fds()
    during = await healthz()
    # Wait for the server to close the idle ones while the clients hold on.
    closed_at = None
    while time.monotonic() - started < 300:
        await asyncio.sleep(0.5)
        if all(reader.at_eof() or reader.exception() for reader, _ in held[:50]) or fds() < 100:
            if await healthz() == 200:
                closed_at = time.monotonic() - started
                break
    all_closed_at = None
    while time.monotonic() - started < 300:
        if fds() < 100:
            all_closed_at = time.monotonic() - started
            break
        await asyncio.sleep(0.2)
    kept = sum(1 for reader, _ in held if not reader.at_eof())
    print(json.dumps({"connections_opened": len(held), "seconds_to_open": round(opened, 1),
                      "server_fds_at_peak": peak, "healthz_during_flood": during,
                      "seconds_until_served_again": round(closed_at, 1) if closed_at else None,
                      "seconds_until_server_closed_all": round(all_closed_at, 1) if all_closed_at else None,
                      "client_ends_not_yet_closed_by_server": kept, "server_fds_after": fds()}))
    for _, writer in held:
        writer.close()

asyncio.run(main())
PY
kill -TERM $server; wait $server
