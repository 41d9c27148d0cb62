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
