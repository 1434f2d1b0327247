#!/bin/bash
# End-to-end test of national incidents over the real hub: three authorities, two send alerts
# of the same rule within hours (one campaign), the third is not involved. Checks the incident
# the hub opens, who may see it (coordinator all; involved analyst only their own detections;
# uninvolved analyst nothing), working it (PATCH status, owner, note; timeline; refusals), the
# detections endpoint, and that a restarted hub links a later detection to the same incident.
# Usage: incidents_test.sh RASID_BINARY     (from the source tree; CTest does)
set -u
rasid=$1
tmp=$(mktemp -d)
server=
stop_server() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; server=; }
trap 'stop_server; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/serve.log" ] && tail -20 "$tmp/serve.log" >&2; exit 1; }

data=$tmp/hub
for a in "health health" "energy energy" "water drinking-water"; do
  set -- $a
  "$rasid" admin --data "$data" authority add "$1" --sector "$2" >/dev/null || fail "authority add $1"
done
token() { "$rasid" admin --data "$data" token create --authority "$1" --role "$2" | tail -n 1; }
health_sensor=$(token health sensor)
energy_sensor=$(token energy sensor)
coordinator=$(token water coordinator)
health_analyst=$(token health analyst)
water_analyst=$(token water analyst)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
start_server() {
  "$rasid" serve --data "$data" --listen "127.0.0.1:$port" --insecure-http >>"$tmp/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && return; sleep 0.1; done
  fail "hub did not start"
}
alert() {  # alert TIME RULE HOST
  printf '{"timestamp":"%s","rule_id":"%s","rule_title":"Password spraying","level":"high","tags":["attack.credential-access","attack.t1110.003"],"event":{"Computer":"%s"}}\n' "$1" "$2" "$3"
}
post() {  # post TOKEN < body
  curl -s -o "$tmp/post" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" --data-binary @- "$base/api/v1/alerts"
}
get() {  # get TOKEN PATH -> body in $tmp/body, prints the status
  curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $1" "$base$2"
}
field() { python3 -c "import json,sys; d=json.load(open('$tmp/body')); print(eval(sys.argv[1]))" "$1"; }

start_server
t0=$(date -u -d '-2 hours' +%Y-%m-%dT%H:00:00Z)
t1=$(date -u -d '-1 hours' +%Y-%m-%dT%H:00:00Z)
{ alert "$t0" spray ws-1; alert "$t1" spray ws-1; } | post "$health_sensor" | grep -q 200 || fail "health post"
get "$coordinator" /api/v1/incidents | grep -q 200 || fail "incidents list"
[ "$(field 'len(d["items"])')" = 0 ] || fail "an incident before a second authority saw the rule"
alert "$t1" spray srv-9 | post "$energy_sensor" | grep -q 200 || fail "energy post"

# The coordinator sees one incident of both authorities.
get "$coordinator" /api/v1/incidents | grep -q 200 || fail "incidents list"
[ "$(field 'len(d["items"])')" = 1 ] || fail "expected 1 incident: $(cat "$tmp/body")"
[ "$(field 'd["items"][0]["authorities"]')" = "['energy', 'health']" ] || fail "authorities: $(cat "$tmp/body")"
[ "$(field 'd["items"][0]["key"]')" = "rule:spray" ] || fail "key"
[ "$(field 'd["items"][0]["status"]')" = new ] || fail "status"
id=$(field 'd["items"][0]["id"]')
get "$coordinator" "/api/v1/incidents/$id" | grep -q 200 || fail "incident detail"
[ "$(field 'len(d["detections"])')" = 2 ] || fail "coordinator detections: $(cat "$tmp/body")"
[ "$(field 'sum(x["alert_count"] for x in d["detections"])')" = 3 ] || fail "alert counts"

# The involved analyst sees the incident and only their own detection of it.
get "$health_analyst" /api/v1/incidents | grep -q 200 || fail "analyst list"
[ "$(field 'len(d["items"])')" = 1 ] || fail "health analyst should see the incident"
get "$health_analyst" "/api/v1/incidents/$id" | grep -q 200 || fail "analyst detail"
[ "$(field '[x["authority"] for x in d["detections"]]')" = "['health']" ] || fail "analyst sees other detections: $(cat "$tmp/body")"
[ "$(field 'd["other_authorities_detections"]')" = 1 ] || fail "hidden count"
get "$health_analyst" "/api/v1/detections" | grep -q 200 || fail "analyst detections"
[ "$(field 'set(x["authority"] for x in d["items"])')" = "{'health'}" ] || fail "analyst detections scope"
[ "$(get "$health_analyst" "/api/v1/detections?authority=energy")" = 403 ] || fail "analyst asking for energy's detections"
# The uninvolved analyst sees nothing of it.
get "$water_analyst" /api/v1/incidents | grep -q 200 || fail "water list"
[ "$(field 'len(d["items"])')" = 0 ] || fail "uninvolved analyst sees the incident"
[ "$(get "$water_analyst" "/api/v1/incidents/$id")" = 404 ] || fail "uninvolved analyst detail must be 404"

# Working the incident: coordinators only, validated fields, every change in the timeline.
patch() {  # patch TOKEN BODY -> status
  curl -s -o "$tmp/body" -w '%{http_code}' -X PATCH -H "Authorization: Bearer $1" --data "$2" "$base/api/v1/incidents/$id"
}
[ "$(patch "$health_analyst" '{"status":"triage"}')" = 403 ] || fail "analyst may not change incidents"
[ "$(patch "$coordinator" '{"status":"closed"}')" = 422 ] || fail "bad status accepted"
[ "$(patch "$coordinator" '{"colour":"red"}')" = 422 ] || fail "unknown field accepted"
[ "$(patch "$coordinator" 'not json')" = 400 ] || fail "bad JSON accepted"
[ "$(patch "$coordinator" '{"status":"triage","owner":"CERT duty officer","note":"sprayed from one ASN"}')" = 200 ] || fail "patch: $(cat "$tmp/body")"
[ "$(field 'd["status"]')" = triage ] || fail "patched status"
get "$coordinator" "/api/v1/incidents/$id" | grep -q 200 || fail "detail after patch"
[ "$(field '[e["kind"] for e in d["timeline"]]')" = "['created', 'link', 'link', 'status', 'owner', 'note']" ] \
  || fail "timeline: $(field '[e["kind"] for e in d["timeline"]]')"
[ "$(get "$coordinator" /api/v1/incidents/99999)" = 404 ] || fail "missing incident must be 404"

# A restarted hub keeps correlating: a third authority's detection joins the same incident.
water_sensor=$(token water sensor)
stop_server
start_server
alert "$t1" spray ws-77 | post "$water_sensor" | grep -q 200 || fail "water post"
get "$coordinator" /api/v1/incidents | grep -q 200 || fail "incidents after restart"
[ "$(field 'len(d["items"])')" = 1 ] || fail "a second incident after the restart: $(cat "$tmp/body")"
[ "$(field 'd["items"][0]["authorities"]')" = "['energy', 'health', 'water']" ] || fail "restart authorities: $(cat "$tmp/body")"

# Audit: the coordinator's reads and the change are recorded.
admin=$(token water admin)
get "$admin" "/api/v1/audit?limit=1000" | grep -q 200 || fail "audit"
python3 -c "
import json,sys
actions=[e['action'] for e in json.load(open('$tmp/body'))['items']]
for need in ('incidents.read','incident.read','incident.update'):
    assert need in actions, (need, actions)" || fail "audit entries"
# The OpenAPI document is served without a token and is docs/openapi.json.
curl -sf "$base/api/v1/openapi.json" | cmp -s - docs/openapi.json || fail "served openapi.json differs from docs/openapi.json"
echo "incidents: ok"
