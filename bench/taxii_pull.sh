#!/bin/bash
# Measures `rasid hunt --intel taxii+http://...` against a real hub on loopback: a coordinator
# POSTs N generated TLP:CLEAR indicators to the national feed (batches of 1000), then a
# sensor's hunt pulls the collection whole (first run), again with nothing new, and with 1%
# new. Prints wall time and peak RSS of each hunt (GNU time) and the summary's taxii line.
# Usage: bench/taxii_pull.sh BUILD_DIR [N]     (default N = 20000)
set -eu
build=$(realpath "$1")
n=${2:-20000}
rasid=$build/rasid
tmp=$(mktemp -d)
data=$tmp/data
hub_pid=
trap '[ -n "$hub_pid" ] && kill "$hub_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$data"
admin() { "$rasid" admin --data "$data" "$@"; }
admin authority add agency-a --sector energy >/dev/null
admin authority add committee --sector government >/dev/null
sensor=$(admin token create --authority agency-a --role sensor | tail -1)
coordinator=$(admin token create --authority committee --role coordinator | tail -1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$rasid" serve --data "$data" --listen "127.0.0.1:$port" --insecure-http >"$tmp/hub.log" 2>&1 &
hub_pid=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
media='application/taxii+json;version=2.1'
coll=/taxii2/api/collections/indicators

post() {  # post FIRST COUNT: indicators FIRST..FIRST+COUNT-1 in batches of 1000
  python3 - "$1" "$2" "$tmp/batch" <<'EOF'
import json, sys
first, count, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for b, start in enumerate(range(first, first + count, 1000)):
    objs = []
    for i in range(start, min(first + count, start + 1000)):
        ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        objs.append({"type": "indicator", "spec_version": "2.1",
                     "id": f"indicator--00000000-0000-4000-8000-{i:012d}",
                     "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
                     "name": f"C2 {ip}", "pattern": f"[ipv4-addr:value = '{ip}']", "pattern_type": "stix",
                     "valid_from": "2026-11-01T00:00:00Z", "indicator_types": ["malicious-activity"],
                     "object_marking_refs": ["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]})
    with open(f"{out}.{b}", "w") as f:
        json.dump({"objects": objs}, f)
EOF
  local f
  for f in "$tmp"/batch.*; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Accept: $media" -H "Content-Type: $media" \
      -H "Authorization: Bearer $coordinator" --data-binary "@$f" "http://127.0.0.1:$port$coll/objects/")
    [ "$code" = 202 ] || { echo "POST: HTTP $code" >&2; exit 1; }
    rm -f "$f"
  done
}

echo '{"EventID":3,"DestinationIp":"10.0.0.5"}' >"$tmp/events.jsonl"
run() {  # run LABEL
  /usr/bin/time -f '%e s wall, %M KB peak RSS' "$rasid" hunt "$tmp/events.jsonl" \
    --intel "taxii+http://127.0.0.1:$port$coll/" --token "$sensor" --intel-cache "$tmp/cache" \
    --format jsonl >/dev/null 2>"$tmp/err"
  printf '%-28s %s | %s\n' "$1" "$(tail -1 "$tmp/err")" "$(grep -o 'taxii .*' "$tmp/err" | sed 's/^taxii [^ ]* //')"
}

post 0 "$n"
run "first pull ($n)"
run "nothing new"
post "$n" $((n / 100))
run "1% new ($((n / 100)))"
ls -l "$tmp"/cache/*.bundle.json | awk '{printf "cache bundle: %d bytes\n", $5}'
# The share of the STIX loader: the same bundle loaded from the file, no network.
/usr/bin/time -f '%e s wall, %M KB peak RSS' "$rasid" intel check -q "$tmp"/cache/*.bundle.json >/dev/null 2>"$tmp/err" || true
printf '%-28s %s\n' "intel check of the cache" "$(tail -1 "$tmp/err")"
