#!/usr/bin/env bash
# The SMTP receiver under an idle flood, as the hardening issue found it:
# ADDRESSES source addresses (each in a /24 of its own, or all in one with
# --one-network) open PER connections each and say nothing. Prints how many
# were admitted and refused (and why), and how long until a fresh client is
# greeted with 220 while the flooding clients hold on.
#
#   Benchmarks/smtp-idle-flood.sh [ADDRESSES] [PER] [--one-network]
set -euo pipefail
cd "$(dirname "$0")/.."
addresses=${1:-18}
per=${2:-60}
one=${3:-}
[ -n "${RICOCHET_BIN:-}" ] || swift build -c release --product ricochet >/dev/null
bin=${RICOCHET_BIN:-$(swift build -c release --show-bin-path)/ricochet}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
ulimit -n "$(ulimit -Hn)"
"$bin" serve --http 127.0.0.1:18094 --smtp 127.0.0.1:18095 --database "sqlite:$work/flood.db" --log-level warning \
  >"$work/out" 2>"$work/err" &
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18094/readyz >/dev/null && break; sleep 0.1; done
python3 - "$addresses" "$per" "$one" <<'PY'
import asyncio, collections, json, sys, time
addresses, per, one = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "--one-network"

async def connect(source):
    reader, writer = await asyncio.open_connection("127.0.0.1", 18095, local_addr=(source, 0))
    line = await asyncio.wait_for(reader.readline(), 10)
    return reader, writer, line.decode().strip()

async def main():
    held, answers = [], collections.Counter()
    for a in range(addresses):
        source = f"127.0.0.{a + 2}" if one else f"127.0.{a + 1}.1"
        for _ in range(per):
            reader, writer, line = await connect(source)
            answers[line[:9] + (" network" if "network" in line else "")] += 1
            if line.startswith("220"):
                held.append((reader, writer))
            else:
                writer.close()
    started = time.monotonic()
    greeted = None
    while time.monotonic() - started < 360:
        _, writer, line = await connect("127.0.200.1")
        writer.close()
        if line.startswith("220"):
            greeted = time.monotonic() - started
            break
        await asyncio.sleep(0.5)
    print(json.dumps({"attempts": addresses * per, "answers": answers, "admitted_idle": len(held),
                      "seconds_until_a_fresh_client_is_greeted": round(greeted, 1) if greeted else None}))
    for _, writer in held:
        writer.close()

asyncio.run(main())
PY
