#!/bin/bash
# Browser test of the hub dashboard: starts a real `rasid serve` on loopback, loads the
# synthetic alerts of tests/testdata/report, then drives Debian's Chromium with playwright-core
# (dashboard_test.mjs). The screenshot is kept for CI as SCREENSHOT (default
# build/artifacts/dashboard.png).
# Usage: tests/browser/run.sh RASID_BINARY [SCREENSHOT]     (from the source tree; CTest does)
# Needs: chromium, node, and `npm ci` done in tests/browser (scripts/setup does both).
set -u
rasid=$1
screenshot=${2:-build/artifacts/dashboard.png}
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/serve.log" ] && tail -20 "$tmp/serve.log" >&2; exit 1; }
tmp=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
[ -x /usr/bin/chromium ] || [ -n "${CHROMIUM:-}" ] || fail "Chromium is not installed (scripts/setup installs the chromium package)"
command -v node >/dev/null || fail "node is not installed (scripts/setup installs nodejs)"
[ -d "$here/node_modules/playwright-core" ] || fail "playwright-core is missing: run 'npm ci' in tests/browser (scripts/setup does)"

data=$tmp/hub
for a in "health health" "energy energy" "water drinking-water"; do
  set -- $a
  "$rasid" admin --data "$data" authority add "$1" --sector "$2" >/dev/null || fail "authority add $1"
done
token() { "$rasid" admin --data "$data" token create --authority "$1" --role "$2" | tail -n 1; }
health_sensor=$(token health sensor)
energy_sensor=$(token energy sensor)
coordinator=$(token water coordinator)
analyst=$(token health analyst)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$rasid" serve --data "$data" --listen "127.0.0.1:$port" --insecure-http \
  --attack ../shared/data/attack/enterprise-attack-compact.json >"$tmp/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
post() {
  curl -sf -X POST -H "Authorization: Bearer $1" -H "Content-Type: application/x-ndjson" \
    --data-binary "@$2" "http://127.0.0.1:$port/api/v1/alerts" >/dev/null || fail "POST $2"
}
post "$health_sensor" tests/testdata/report/health.jsonl
post "$energy_sensor" tests/testdata/report/energy.jsonl

mkdir -p "$(dirname "$screenshot")"
node "$here/dashboard_test.mjs" "http://127.0.0.1:$port" "$coordinator" "$analyst" "$health_sensor" "$screenshot" \
  || fail "dashboard checks failed"
