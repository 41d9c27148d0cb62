# Sourced by the benchmarks that measure Ricochet next to nginx: installs wrk
# and nginx from Debian if missing, builds the release binary ($bin), makes a
# work directory ($work) and stops everything (nginx too) on exit.
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
swift build -c release --product ricochet >/dev/null 2>&1
bin=$(swift build -c release --show-bin-path)/ricochet
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT
