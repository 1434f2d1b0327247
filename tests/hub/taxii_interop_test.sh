#!/bin/bash
# Interop: the TAXII 2.1 reference server's fixture (medallion default_data.json, in
# ../shared/data/stix/taxii) served by the real hub, asked with a stock HTTP client (curl) the
# way the TAXII 2.1 spec's examples do. The fixture's "High Value Indicator Collection"
# (8 object versions: an indicator in 3 versions, a malware in a STIX 2.0 and a 2.1 version, a
# relationship, a marking definition) is POSTed to an authority's collection; every answer is
# compared with what the spec requires, computed here from the fixture itself.
# Usage: taxii_interop_test.sh RASID_BINARY SHARED_DIR
set -u
rasid=$1
fixture=$2/data/stix/taxii/medallion_default_data.json
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; tail -5 "$tmp/serve.log" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

data=$tmp/hub
"$rasid" admin --data "$data" authority add trustgroup1 --sector government >/dev/null || fail "authority add"
token=$("$rasid" admin --data "$data" token create --authority trustgroup1 --role analyst | tail -n 1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
"$rasid" serve --data "$data" --listen "127.0.0.1:$port" --insecure-http >"$tmp/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

accept='Accept: application/taxii+json;version=2.1'
get() {  # get PATH -> body in $tmp/body, headers in $tmp/headers; prints the status (-g: match[...] is no glob)
  curl -g -s -D "$tmp/headers" -o "$tmp/body" -w '%{http_code}' -H "$accept" -H "Authorization: Bearer $token" "$base$1"
}

# Discovery, API root, collections: the properties the spec requires.
[ "$(get /taxii2/)" = 200 ] || fail "discovery"
[ "$(json "$tmp/body" "'title' in d and d['default'] in d['api_roots']")" = True ] || fail "discovery resource"
grep -qi '^content-type: application/taxii+json;version=2.1' "$tmp/headers" || fail "discovery media type"
[ "$(get /taxii2/api/)" = 200 ] || fail "api root"
[ "$(json "$tmp/body" "sorted(d) == ['description', 'max_content_length', 'title', 'versions']")" = True ] || fail "api root resource"
[ "$(get /taxii2/api/collections/)" = 200 ] || fail "collections"
id=$(json "$tmp/body" "[c['id'] for c in d['collections'] if c['alias'] == 'authority-trustgroup1'][0]")
[ "$(json "$tmp/body" "all({'id','title','can_read','can_write'} <= set(c) for c in d['collections'])")" = True ] ||
  fail "collection resources lack required properties"

# POST the fixture's objects as an envelope.
python3 - "$fixture" >"$tmp/envelope.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
col = [c for c in d["trustgroup1"]["collections"] if c["id"] == "91a7b528-80eb-42ed-a74d-c6fbd5a26116"][0]
print(json.dumps({"objects": col["objects"]}))
EOF
status=$(curl -s -o "$tmp/status.json" -w '%{http_code}' -H "$accept" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/taxii+json;version=2.1' --data-binary @"$tmp/envelope.json" \
  "$base/taxii2/api/collections/$id/objects/")
[ "$status" = 202 ] || fail "POST answered $status: $(cat "$tmp/status.json")"
[ "$(json "$tmp/status.json" "(d['status'], d['total_count'], d['success_count'], d['failure_count'])")" = "('complete', 8, 8, 0)" ] ||
  fail "status resource $(cat "$tmp/status.json")"
sid=$(json "$tmp/status.json" "d['id']")
[ "$(get "/taxii2/api/status/$sid/")" = 200 ] || fail "GET status"
cmp -s "$tmp/body" "$tmp/status.json" || fail "GET status differs from the POST answer"

# What the spec requires of each query, computed from the fixture: without match[spec_version]
# each object in the latest spec version it has; match[version] default last.
expect() {  # expect 'PYTHON EXPRESSION over objs' -> the expected value
  python3 - "$fixture" "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
objs = [c for c in d["trustgroup1"]["collections"] if c["id"] == "91a7b528-80eb-42ed-a74d-c6fbd5a26116"][0]["objects"]
spec = lambda o: o.get("spec_version", "2.0")
ver = lambda o: o.get("modified", o.get("created"))
latest_spec = lambda o: spec(o) == max(spec(p) for p in objs if p["id"] == o["id"])
def select(rows, which):
    out = []
    for o in rows:
        same = [p for p in rows if p["id"] == o["id"]]
        if which == "all" or ver(o) == (max if which == "last" else min)(ver(p) for p in same):
            out.append(o)
    return out
print(eval(sys.argv[2]))
EOF
}
objects() {  # objects QUERY -> sorted "id@version" lines of the answer
  [ "$(get "/taxii2/api/collections/$id/objects/?$1")" = 200 ] || fail "GET objects ?$1"
  json "$tmp/body" "sorted(o['id'] + '@' + o.get('modified', o.get('created', '')) for o in d.get('objects', []))"
}
want() { expect "sorted(o['id'] + '@' + ver(o) for o in $1)"; }

[ "$(objects '')" = "$(want 'select([o for o in objs if latest_spec(o)], "last")')" ] || fail "default objects: $(objects '')"
[ "$(objects 'match[version]=all')" = "$(want 'select([o for o in objs if latest_spec(o)], "all")')" ] || fail "match[version]=all"
[ "$(objects 'match[version]=first')" = "$(want 'select([o for o in objs if latest_spec(o)], "first")')" ] || fail "first"
[ "$(objects 'match[spec_version]=2.0')" = "$(want 'select([o for o in objs if spec(o) == "2.0"], "last")')" ] || fail "spec 2.0"
[ "$(objects 'match[spec_version]=2.0,2.1&match[version]=all')" = "$(want 'objs')" ] || fail "every version of every spec"
[ "$(objects 'match[type]=indicator')" = "$(want 'select([o for o in objs if latest_spec(o) and o["type"] == "indicator"], "last")')" ] ||
  fail "match[type]"
[ "$(objects 'match[id]=indicator--6770298f-0fd8-471a-ab8c-1c658a46574e&match[version]=2016-12-25T12:30:59.444Z')" = \
  "['indicator--6770298f-0fd8-471a-ab8c-1c658a46574e@2016-12-25T12:30:59.444Z']" ] || fail "match[id] with a version"

# Versions of the indicator with three versions, oldest first.
[ "$(get /taxii2/api/collections/$id/objects/indicator--6770298f-0fd8-471a-ab8c-1c658a46574e/versions/)" = 200 ] ||
  fail "versions"
[ "$(json "$tmp/body" "d['versions']")" = "$(expect "sorted(ver(o) for o in objs if o['id'] == 'indicator--6770298f-0fd8-471a-ab8c-1c658a46574e')")" ] ||
  fail "versions list $(cat "$tmp/body")"

# Manifest: one record per served version, with date_added in order and the media type.
[ "$(get "/taxii2/api/collections/$id/manifest/?match[version]=all")" = 200 ] || fail "manifest"
[ "$(json "$tmp/body" "len(d['objects'])")" = "$(expect 'len(select([o for o in objs if latest_spec(o)], "all"))')" ] || fail "manifest size"
[ "$(json "$tmp/body" "[m['date_added'] for m in d['objects']] == sorted(m['date_added'] for m in d['objects'])")" = True ] ||
  fail "manifest not in date_added order"
third=$(json "$tmp/body" "d['objects'][2]['date_added']")
rest=$(json "$tmp/body" "len(d['objects']) - 3")

# added_after with the date of the third record returns the rest; the headers bracket the page.
[ "$(get "/taxii2/api/collections/$id/manifest/?match[version]=all&added_after=$third")" = 200 ] || fail "added_after"
[ "$(json "$tmp/body" "len(d.get('objects', []))")" = "$rest" ] || fail "added_after returned $(cat "$tmp/body")"
first=$(json "$tmp/body" "d['objects'][0]['date_added']")
grep -qi "^X-TAXII-Date-Added-First: $first" "$tmp/headers" || fail "X-TAXII-Date-Added-First"

# Paging as the spec's example: limit=2, follow next until more is false.
n=0; next=; pages=0
while :; do
  q="match[version]=all&limit=2"; [ -n "$next" ] && q="$q&next=$next"
  [ "$(get "/taxii2/api/collections/$id/objects/?$q")" = 200 ] || fail "page $pages"
  n=$((n + $(json "$tmp/body" "len(d.get('objects', []))"))); pages=$((pages + 1))
  [ "$(json "$tmp/body" "d['more']")" = True ] || break
  next=$(json "$tmp/body" "d['next']")
done
[ "$n" = "$(expect 'len(select([o for o in objs if latest_spec(o)], "all"))')" ] || fail "paging returned $n objects"
echo "taxii interop: medallion fixture served as the spec requires ($n object versions, $pages pages of 2)"
