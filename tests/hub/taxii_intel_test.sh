#!/bin/bash
# End-to-end test of `rasid hunt --intel taxii+http://HUB/taxii2/api/collections/ID/` against
# the real hub (`rasid serve` over loopback): a coordinator POSTs STIX indicators to the
# national feed (alias `indicators`), a sensor's hunt pulls the collection, pulls only what
# was added on the next run, and hunts with its cache when the hub is down.
# Usage: taxii_intel_test.sh RASID_BINARY      (run from the source tree; CTest does)
set -u
rasid=$(realpath "$1")
tmp=$(mktemp -d)
data=$tmp/data
cache=$tmp/cache
hub_pid=
cleanup() {
  [ -n "$hub_pid" ] && kill -9 "$hub_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  [ -f "$tmp/hunt.err" ] && { echo "--- last hunt's stderr" >&2; cat "$tmp/hunt.err" >&2; }
  [ -f "$tmp/hub.log" ] && { echo "--- hub log (last 30 lines)" >&2; tail -30 "$tmp/hub.log" >&2; }
  exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
admin() { "$rasid" admin --data "$data" "$@"; }
token() {  # token AUTHORITY ROLE: creates a token, prints it
  admin token create --authority "$1" --role "$2" | tail -1
}

start_hub() {  # start_hub [serve options] (default --insecure-http); $health_url is polled
  if [ $# -eq 0 ]; then set -- --insecure-http; fi
  "$rasid" serve --data "$data" --listen "127.0.0.1:$port" "$@" >>"$tmp/hub.log" 2>&1 &
  hub_pid=$!
  local i
  for i in $(seq 1 100); do
    if curl -s -o /dev/null ${curl_tls:-} "${health_url:-http://127.0.0.1:$port/healthz}"; then return 0; fi
    kill -0 "$hub_pid" 2>/dev/null || fail "the hub exited at start"
    sleep 0.1
  done
  fail "the hub did not answer /healthz"
}

stop_hub() {
  kill -TERM "$hub_pid"
  wait "$hub_pid"
  hub_pid=
}

media='application/taxii+json;version=2.1'
# taxii METHOD PATH TOKEN [BODY_FILE]: sets $code and $body.
taxii() {
  local args=(-s -o "$tmp/resp" -w '%{http_code}' -X "$1" -H "Accept: $media" -H "Authorization: Bearer $3")
  [ -n "${4:-}" ] && args+=(--data-binary "@$4" -H "Content-Type: $media")
  code=$(curl "${args[@]}" "http://127.0.0.1:$port$2")
  body=$(cat "$tmp/resp")
}

# indicator N IP [MODIFIED [EXTRA]]: a TLP:CLEAR STIX 2.1 indicator for IP, id ending in N
# (12 digits); EXTRA is more properties (',"revoked":true').
indicator() {
  printf '{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-11-01T00:00:00.000Z","modified":"%s","name":"C2 %s","pattern":"[ipv4-addr:value = '"'"'%s'"'"']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z","indicator_types":["malicious-activity"],"object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]%s}' \
    "$1" "${3:-2026-11-01T00:00:00.000Z}" "$2" "$2" "${4:-}"
}

# post_indicator N IP [MODIFIED [EXTRA]]: POSTs one indicator to the national feed, waits for
# its status.
post_indicator() {
  echo "{\"objects\":[$(indicator "$@")]}" >"$tmp/post.json"
  taxii POST "$collection_path/objects/" "$coordinator" "$tmp/post.json"
  [ "$code" = 202 ] || fail "POST objects: HTTP $code: $body"
  local status_id i
  status_id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$body") || fail "no status id: $body"
  for i in $(seq 1 50); do
    python3 -c 'import json,sys; s=json.loads(sys.argv[1]); sys.exit(0 if s["status"]=="complete" and s["success_count"]==1 else 1)' \
      "$body" && return 0
    sleep 0.1
    taxii GET "/taxii2/api/status/$status_id/" "$coordinator"
  done
  fail "the POST did not complete with one success: $body"
}

events() {  # one event per indicator IP and one that matches nothing
  local ip
  for ip in "$@"; do
    echo "{\"EventID\":3,\"Computer\":\"ws-1\",\"UtcTime\":\"2026-11-29 10:00:00.000\",\"DestinationIp\":\"$ip\",\"Image\":\"C:\\\\x.exe\"}"
  done
  echo '{"EventID":3,"Computer":"ws-1","UtcTime":"2026-11-29 10:00:01.000","DestinationIp":"198.51.100.1"}'
}

hunt() {  # hunt [extra options]: hunts $tmp/events.jsonl with the collection; stdout alerts, stderr $tmp/hunt.err
  "$rasid" hunt "$tmp/events.jsonl" --intel "$intel_url" --token "$sensor" --intel-cache "$cache" \
    --intel-limit 1 --format jsonl "$@" >"$tmp/alerts.jsonl" 2>"$tmp/hunt.err"
}

alerted() {  # alerted N: the hunt's output has an alert of indicator N
  grep -q "indicator--00000000-0000-4000-8000-$(printf %012d "$1")" "$tmp/alerts.jsonl"
}

mkdir -p "$data"
admin authority add agency-a --sector energy >/dev/null || fail "authority add"
admin authority add committee --sector government >/dev/null || fail "authority add"
sensor=$(token agency-a sensor)
coordinator=$(token committee coordinator)
port=$(free_port)
start_hub

# The national feed's id, from its alias.
taxii GET /taxii2/api/collections/ "$coordinator"
[ "$code" = 200 ] || fail "GET collections: HTTP $code: $body"
collection=$(python3 -c 'import json,sys; print([c["id"] for c in json.loads(sys.argv[1])["collections"] if c.get("alias")=="indicators"][0])' "$body") \
  || fail "no collection with alias indicators: $body"
collection_path=/taxii2/api/collections/$collection
intel_url=taxii+http://127.0.0.1:$port$collection_path/
source_url=http://127.0.0.1:$port$collection_path/

# 1. First pull: the whole collection, page by page (limit 1), the indicator fires.
post_indicator 1 203.0.113.7
events 203.0.113.7 203.0.113.8 >"$tmp/events.jsonl"
hunt || fail "first hunt: exit $?"
alerted 1 || fail "no alert for indicator 1: $(cat "$tmp/alerts.jsonl")"
line=$(grep "taxii $source_url:" "$tmp/hunt.err") || fail "no taxii line in the summary"
first=$(echo "$line" | sed -E 's/.*: ([0-9]+) objects pulled \(([0-9]+) new, 0 updated\) in ([0-9]+) pages, ([0-9]+) cached$/\1 \2 \3 \4/')
read -r pulled new pages total <<<"$first"
[ "$pulled" -ge 1 ] && [ "$new" = "$pulled" ] && [ "$total" = "$pulled" ] || fail "first pull: $line"
[ "$pages" -ge "$pulled" ] || fail "limit 1 should take at least one page per object: $line"
grep -q "^warning:" "$tmp/hunt.err" && fail "warning on a good pull"

# 2. One more indicator: the next run pulls exactly that object, and both fire.
post_indicator 2 203.0.113.8
hunt || fail "second hunt: exit $?"
grep -q "taxii $source_url: 1 objects pulled (1 new, 0 updated) in [0-9]* pages, $((total + 1)) cached$" "$tmp/hunt.err" \
  || fail "second pull is not incremental: $(grep taxii "$tmp/hunt.err")"
alerted 1 && alerted 2 || fail "second hunt lacks an indicator alert: $(cat "$tmp/alerts.jsonl")"
[ "$(wc -l <"$tmp/alerts.jsonl")" = 2 ] || fail "expected 2 alerts: $(cat "$tmp/alerts.jsonl")"

# 3. Nothing new: nothing pulled.
hunt || fail "third hunt: exit $?"
grep -q "taxii $source_url: 0 objects pulled (0 new, 0 updated) in 1 pages, $((total + 1)) cached$" "$tmp/hunt.err" \
  || fail "third pull: $(grep taxii "$tmp/hunt.err")"

# 4. A bad token is an error naming the URL and the status, cache or not.
"$rasid" hunt "$tmp/events.jsonl" --intel "$intel_url" --token "${sensor%?}x" --intel-cache "$cache" \
  >/dev/null 2>"$tmp/hunt.err"
[ $? = 2 ] || fail "a bad token did not fail the hunt"
grep -q "error: ${source_url}objects/: HTTP 401" "$tmp/hunt.err" || fail "401 message: $(cat "$tmp/hunt.err")"

# 5. The collection named by its alias: another URL, so another cache, pulled whole.
"$rasid" hunt "$tmp/events.jsonl" --intel "taxii+http://127.0.0.1:$port/taxii2/api/collections/indicators/" \
  --token "$sensor" --intel-cache "$cache" --format jsonl >"$tmp/alerts.jsonl" 2>"$tmp/hunt.err" || fail "alias hunt"
grep -q "taxii http://127.0.0.1:$port/taxii2/api/collections/indicators/: $((total + 1)) objects pulled ($((total + 1)) new, 0 updated) in 1 pages" \
  "$tmp/hunt.err" || fail "alias pull: $(grep taxii "$tmp/hunt.err")"
alerted 1 && alerted 2 || fail "alias hunt lacks an indicator alert: $(cat "$tmp/alerts.jsonl")"

# 6. A new version of indicator 1, revoked: pulled as an update, and indicator 1 no longer fires.
post_indicator 1 203.0.113.7 2026-11-02T00:00:00.000Z ',"revoked":true'
hunt || fail "hunt after the revocation: exit $?"
grep -q "taxii $source_url: 1 objects pulled (0 new, 1 updated) in [0-9]* pages, $((total + 1)) cached$" "$tmp/hunt.err" \
  || fail "revocation pull: $(grep taxii "$tmp/hunt.err")"
alerted 2 || fail "indicator 2 lost: $(cat "$tmp/alerts.jsonl")"
alerted 1 && fail "a revoked indicator still fires"
[ "$(wc -l <"$tmp/alerts.jsonl")" = 1 ] || fail "expected 1 alert: $(cat "$tmp/alerts.jsonl")"

# 7. Over TLS: trusted with --intel-ca, or with --forward-ca when --intel-ca is not given;
# an unknown certificate is refused (the https URL has no cache yet: an error), then falls
# back to the cache once there is one.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 1 \
  -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null || fail "openssl"
stop_hub
curl_tls="--cacert $tmp/cert.pem" health_url=https://127.0.0.1:$port/healthz start_hub --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem"
tls_url=taxii+https://127.0.0.1:$port$collection_path/
"$rasid" hunt "$tmp/events.jsonl" --intel "$tls_url" --token "$sensor" --intel-cache "$cache" \
  >/dev/null 2>"$tmp/hunt.err"
[ $? = 2 ] || fail "an unknown certificate was trusted"
grep -q "error: https://127.0.0.1:$port$collection_path/objects/: the hub's certificate does not verify (see --intel-ca); no cached copy" \
  "$tmp/hunt.err" || fail "message: $(cat "$tmp/hunt.err")"
"$rasid" hunt "$tmp/events.jsonl" --intel "$tls_url" --token "$sensor" --intel-cache "$cache" --intel-ca "$tmp/cert.pem" \
  --format jsonl >"$tmp/alerts.jsonl" 2>"$tmp/hunt.err" || fail "hunt over TLS"
grep -q "taxii https://127.0.0.1:$port$collection_path/: $((total + 1)) objects pulled ($((total + 1)) new, 0 updated)" \
  "$tmp/hunt.err" || fail "TLS pull: $(grep taxii "$tmp/hunt.err")"
alerted 2 && ! alerted 1 || fail "TLS hunt alerts: $(cat "$tmp/alerts.jsonl")"
"$rasid" hunt "$tmp/events.jsonl" --intel "$tls_url" --token "$sensor" --intel-cache "$cache" --forward-ca "$tmp/cert.pem" \
  >/dev/null 2>"$tmp/hunt.err" || fail "hunt over TLS with --forward-ca"
grep -q "taxii https://127.0.0.1:$port$collection_path/: 0 objects pulled" "$tmp/hunt.err" \
  || fail "TLS pull with --forward-ca: $(grep taxii "$tmp/hunt.err")"
"$rasid" hunt "$tmp/events.jsonl" --intel "$tls_url" --token "$sensor" --intel-cache "$cache" \
  >/dev/null 2>"$tmp/hunt.err" || fail "untrusted certificate with a cache: exit $?"
grep -q "warning: https://127.0.0.1:$port$collection_path/objects/: the hub's certificate does not verify (see --intel-ca); hunting with the $((total + 1)) cached objects" \
  "$tmp/hunt.err" || fail "message: $(cat "$tmp/hunt.err")"

# 8. The hub is down: a warning naming the URL, and the cached indicators still fire.
stop_hub
hunt || fail "hunt with the hub down: exit $?"
grep -q "warning: cannot reach ${source_url}objects/: .*; hunting with the $((total + 1)) cached objects" "$tmp/hunt.err" \
  || fail "no warning for the hub down: $(cat "$tmp/hunt.err")"
grep -q "taxii $source_url: 0 objects pulled (0 new, 0 updated) in 0 pages, $((total + 1)) cached (from the cache only" \
  "$tmp/hunt.err" || fail "summary does not say from the cache only: $(grep taxii "$tmp/hunt.err")"
alerted 2 || fail "cached hunt lacks indicator 2: $(cat "$tmp/alerts.jsonl")"
alerted 1 && fail "the revoked indicator fires from the cache"

# 9. Down and no cache: an error.
"$rasid" hunt "$tmp/events.jsonl" --intel "$intel_url" --token "$sensor" --intel-cache "$tmp/empty-cache" \
  >/dev/null 2>"$tmp/hunt.err"
[ $? = 2 ] || fail "no cache and no hub did not fail the hunt"
grep -q "cannot reach ${source_url}objects/: .*; no cached copy in $tmp/empty-cache" "$tmp/hunt.err" \
  || fail "message: $(cat "$tmp/hunt.err")"

# The cache is a plain STIX bundle that loads as a file.
state=$(grep -l "\"url\": \"$source_url\"" "$cache"/*.state.json) || fail "no cache state names $source_url"
bundle=${state%.state.json}.bundle.json
"$rasid" hunt "$tmp/events.jsonl" --intel "$bundle" --format jsonl >"$tmp/alerts.jsonl" 2>"$tmp/hunt.err" \
  || fail "hunt with the cache file"
alerted 2 || fail "the cache file lacks indicator 2"
grep -q '"revoked":true' "$bundle" || fail "the revoked version is not in the cache"
echo ok
