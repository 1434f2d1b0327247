#!/bin/bash
# End-to-end tests of the rasid command line: exit codes, formats, inputs, golden output.
# Usage: cli_test.sh RASID_BINARY CASE      (run from the source tree; CTest does)
# RASID_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing (review the diff).
set -u
rasid=$1
case_name=$2
shared=../shared/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_status CODE COMMAND...: runs the command, checks its exit status.
expect_status() {
  local want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "--- stdout"; head -50 "$tmp/out"; echo "--- stderr"; head -50 "$tmp/err"
    fail "exit status $got, expected $want: $*"
  fi
}

golden() {  # golden FILE GOLDEN_PATH
  if [ "${RASID_UPDATE_GOLDEN:-0}" = 1 ]; then
    mkdir -p "$(dirname "$2")"; cp "$1" "$2"; echo "updated $2"; return
  fi
  diff -u "$2" "$1" >&2 || fail "output differs from $2 (RASID_UPDATE_GOLDEN=1 to update)"
}

case $case_name in
  demo_golden)
    expect_status 0 "$rasid" hunt demo/logs --rules demo/rules --format jsonl --threads 2
    golden "$tmp/out" tests/golden/demo_hunt/alerts.jsonl
    grep -q '^summary' "$tmp/err" || fail "no summary on stderr"
    ;;
  demo_table)
    expect_status 0 "$rasid" hunt demo/logs --rules demo/rules --no-color
    golden "$tmp/out" tests/golden/demo_hunt/alerts.table
    ;;
  threads_do_not_change_output)
    "$rasid" hunt "$shared/samples/jsonl" --rules "$shared/sigma/rules/windows" --format jsonl -q --threads 1 >"$tmp/one" || fail "1 thread"
    "$rasid" hunt "$shared/samples/jsonl" --rules "$shared/sigma/rules/windows" --format jsonl -q --threads 4 >"$tmp/four" || fail "4 threads"
    [ -s "$tmp/one" ] || fail "no alerts on the shared samples"
    cmp -s "$tmp/one" "$tmp/four" || fail "output differs between 1 and 4 threads"
    "$rasid" hunt "$shared/samples/jsonl" --rules "$shared/sigma/rules/windows" --format jsonl -q --threads 4 --unordered >"$tmp/unordered" || fail "unordered"
    [ "$(sort "$tmp/one" | md5sum)" = "$(sort "$tmp/unordered" | md5sum)" ] || fail "--unordered gives other alerts"
    ;;
  stdin_and_gzip)
    "$rasid" hunt demo/logs --rules demo/rules --format jsonl -q >"$tmp/files" || fail "files"
    cat demo/logs/*.jsonl | "$rasid" hunt - --rules demo/rules --format jsonl -q >"$tmp/stdin" || fail "stdin"
    [ -s "$tmp/stdin" ] || fail "no alerts from stdin"
    gzip -c demo/logs/*.jsonl >"$tmp/all.jsonl.gz"
    "$rasid" hunt "$tmp/all.jsonl.gz" --rules demo/rules --format jsonl -q >"$tmp/gz" || fail "gzip"
    [ "$(wc -l <"$tmp/stdin")" = "$(wc -l <"$tmp/gz")" ] || fail "stdin and gzip give different alert counts"
    ;;
  fail_on_alert)
    expect_status 1 "$rasid" hunt demo/logs --rules demo/rules --fail-on-alert -q
    echo '{"Channel":"Security","EventID":1}' >"$tmp/benign.jsonl"
    expect_status 0 "$rasid" hunt "$tmp/benign.jsonl" --rules demo/rules --fail-on-alert -q
    ;;
  usage_errors)
    expect_status 2 "$rasid" hunt demo/logs
    expect_status 2 "$rasid" hunt demo/logs --rules does/not/exist
    expect_status 2 "$rasid" hunt does/not/exist.jsonl --rules demo/rules
    grep -q 'does/not/exist.jsonl' "$tmp/err" || fail "missing input not named"
    expect_status 2 "$rasid" hunt demo/logs --rules demo/rules --format xml
    expect_status 2 "$rasid" hunt demo/logs --rules demo/rules --from yesterday
    expect_status 2 "$rasid" bogus
    expect_status 0 "$rasid" --help
    expect_status 0 "$rasid" hunt --help
    grep -q -- '--rules' "$tmp/out" || fail "hunt --help does not explain --rules"
    ;;
  malformed_lines_are_reported)
    { head -3 demo/logs/corp-2026-11-17.jsonl; echo '{"EventID": 1, broken'; tail -n +4 demo/logs/corp-2026-11-17.jsonl; } >"$tmp/bad.jsonl"
    expect_status 0 "$rasid" hunt "$tmp/bad.jsonl" --rules demo/rules --format jsonl
    grep -q "bad.jsonl:4:" "$tmp/err" || fail "malformed line 4 not reported with file:line"
    grep -q "1 malformed" "$tmp/err" || fail "malformed line not counted"
    "$rasid" hunt demo/logs/corp-2026-11-17.jsonl --rules demo/rules --format jsonl -q >"$tmp/good"
    [ "$(wc -l <"$tmp/out")" = "$(wc -l <"$tmp/good")" ] || fail "a malformed line lost other alerts"
    ;;
  time_window)
    "$rasid" hunt demo/logs --rules demo/rules --format jsonl -q >"$tmp/all"
    "$rasid" hunt demo/logs --rules demo/rules --format jsonl -q --from 2100-01-01 >"$tmp/none"
    [ -s "$tmp/all" ] || fail "no alerts"
    [ ! -s "$tmp/none" ] || fail "--from in the future still gives alerts"
    ;;
  rules_check_corpus)
    for folder in rules rules-emerging-threats rules-threat-hunting rules-compliance rules-dfir; do
      [ -d "$shared/sigma/$folder" ] || continue
      expect_status 0 "$rasid" rules check "$shared/sigma/$folder"
      grep -q ', failed 0$' "$tmp/out" || fail "$folder: $(head -1 "$tmp/out")"
      echo "$folder: $(head -1 "$tmp/out")"
    done
    expect_status 0 "$rasid" rules check "$shared/sigma/rules-placeholder" --placeholders tests/testdata/placeholders.yml
    echo "rules-placeholder: $(head -1 "$tmp/out")"
    expect_status 0 "$rasid" rules check "$shared/sigma/rules-placeholder"
    grep -q 'loaded 23, failed 0' "$tmp/out" || fail "rules-placeholder without values: $(head -1 "$tmp/out")"
    grep -q '23 .*missing placeholder' "$tmp/err" || fail "rules without placeholder values not reported: $(cat "$tmp/err")"
    ;;
  rules_check_reports_failures)
    mkdir -p "$tmp/rules"
    cp demo/rules/*.yml "$tmp/rules/"
    printf 'title: broken\nid: 11111111-1111-4111-8111-111111111111\nlogsource: {product: windows}\ndetection:\n  sel:\n    Image|contans: x\n  condition: sel\n' >"$tmp/rules/broken.yml"
    expect_status 1 "$rasid" rules check "$tmp/rules"
    grep -q ', failed 1$' "$tmp/out" || fail "summary line: $(head -1 "$tmp/out")"
    grep -q "broken.yml:6:[0-9]*: 11111111-1111-4111-8111-111111111111: .*contans" "$tmp/out" || fail "diagnostic line: $(cat "$tmp/out")"
    expect_status 1 "$rasid" rules check "$tmp/rules" --format json
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["failed"]==1 and d["diagnostics"][0]["line"]==6, d' "$tmp/out" || fail "json output"
    ;;
  evtx_hunt_equals_jsonl)
    # The .evtx samples give exactly the alerts of their JSON-lines conversions (the
    # "source" of each alert names the file, so it is left out of the comparison).
    "$rasid" hunt "$shared/samples/evtx" --rules "$shared/sigma/rules/windows" --format jsonl -q --threads 2 >"$tmp/evtx" || fail "evtx hunt"
    "$rasid" hunt "$shared/samples/jsonl" --rules "$shared/sigma/rules/windows" --format jsonl -q --threads 2 >"$tmp/jsonl" || fail "jsonl hunt"
    [ -s "$tmp/evtx" ] || fail "no alerts from the evtx samples"
    python3 - "$tmp/evtx" "$tmp/jsonl" <<'PY' || fail "evtx and jsonl alerts differ"
import json, sys
def load(p):
    out = []
    for line in open(p, encoding="utf-8"):
        a = json.loads(line)
        a.pop("source", None)
        out.append(json.dumps(a, sort_keys=True))
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
print(len(a), "alerts")
sys.exit(0 if a == b else 1)
PY
    ;;
  convert_evtx)
    f=deepbluecli/sliver-security
    expect_status 0 "$rasid" convert "$shared/samples/evtx/$f.evtx" --output "$tmp/conv.jsonl"
    grep -q '^summary: [0-9]* events from 1 inputs, 0 problems' "$tmp/err" || fail "summary: $(cat "$tmp/err")"
    python3 -c 'import json,sys; a=[json.loads(l) for l in open(sys.argv[1])]; b=[json.loads(l) for l in open(sys.argv[2])]; sys.exit(0 if a==b and a else 1)' "$tmp/conv.jsonl" "$shared/samples/jsonl/$f.jsonl" || fail "convert output differs from $f.jsonl"
    # JSON input goes through the same decoder; a missing input is exit status 2.
    "$rasid" convert "$shared/samples/jsonl/$f.jsonl" -q >"$tmp/conv2.jsonl" || fail "convert jsonl"
    cmp -s "$tmp/conv.jsonl" "$tmp/conv2.jsonl" || fail "evtx and jsonl convert differently"
    expect_status 2 "$rasid" convert "$tmp/nope.evtx"
    # EVTX on standard input is recognized too.
    "$rasid" convert -q <"$shared/samples/evtx/$f.evtx" >"$tmp/conv3.jsonl" || fail "convert stdin"
    cmp -s "$tmp/conv.jsonl" "$tmp/conv3.jsonl" || fail "evtx from stdin converts differently"
    ;;
  convert_threads)
    # EVTX chunks (and JSON records) are decoded by several threads; the output stays in
    # input order, byte for byte the same at any thread count.
    for d in evtx jsonl; do
      "$rasid" convert "$shared/samples/$d" --threads 1 -o "$tmp/$d.1" 2>"$tmp/$d.err1" || fail "$d: 1 thread"
      "$rasid" convert "$shared/samples/$d" --threads 3 -o "$tmp/$d.3" 2>"$tmp/$d.err3" || fail "$d: 3 threads"
      [ "$(wc -l <"$tmp/$d.1")" -gt 8000 ] || fail "$d: too few events"
      cmp -s "$tmp/$d.1" "$tmp/$d.3" || fail "$d: output differs between 1 and 3 threads"
      cmp -s "$tmp/$d.err1" "$tmp/$d.err3" || fail "$d: messages differ between 1 and 3 threads"
    done
    cmp -s "$tmp/evtx.1" "$tmp/jsonl.1" || fail "the evtx samples convert differently from their JSON lines"
    ;;
  intel_pattern_check)
    expect_status 0 "$rasid" intel pattern check "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4']"
    grep -qx 'valid' "$tmp/out" || fail "check of a valid pattern does not print 'valid'"
    expect_status 1 "$rasid" intel pattern check "[file:size = ]"
    grep -q '^invalid: column 14: expected a literal value' "$tmp/out" || fail "no column and reason: $(cat "$tmp/out")"
    expect_status 1 "$rasid" intel pattern check "[file:hashes.'SHA-256' = 'f00']"
    grep -q 'not a valid SHA-256 hash' "$tmp/out" || fail "hash value not checked"
    # STIX 2.0 START/STOP take strings; 2.1 wants t'...'.
    p20="[a:b = 1] START '2020-01-01T00:00:00Z' STOP '2020-01-02T00:00:00Z'"
    expect_status 0 "$rasid" intel pattern check "$p20" --stix-version 2.0
    expect_status 1 "$rasid" intel pattern check "$p20"
    expect_status 2 "$rasid" intel pattern check "[a:b = 1]" --stix-version 3.0
    expect_status 2 "$rasid" intel pattern check
    ;;
  intel_pattern_match)
    cat >"$tmp/obs.json" <<'JSON'
[{"type": "bundle", "id": "bundle--1", "objects": [
  {"type": "observed-data", "id": "observed-data--1", "first_observed": "2026-11-29T08:00:00Z",
   "last_observed": "2026-11-29T08:00:00Z", "number_observed": 1,
   "object_refs": ["network-traffic--1", "ipv4-addr--1"]},
  {"type": "network-traffic", "id": "network-traffic--1", "dst_ref": "ipv4-addr--1", "dst_port": 443},
  {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "198.51.100.7"},
  {"type": "observed-data", "id": "observed-data--2", "first_observed": "2026-11-29T08:00:30Z",
   "last_observed": "2026-11-29T08:00:30Z", "number_observed": 1, "object_refs": ["file--1"]},
  {"type": "file", "id": "file--1", "name": "payload.exe"}]}]
JSON
    expect_status 0 "$rasid" intel pattern match "[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24']" "$tmp/obs.json"
    grep -qx 'match' "$tmp/out" || fail "match not printed"
    expect_status 0 "$rasid" intel pattern match "[ipv4-addr:value = '198.51.100.7'] FOLLOWEDBY [file:name LIKE '%.exe'] WITHIN 60 SECONDS" "$tmp/obs.json"
    expect_status 1 "$rasid" intel pattern match "[file:name LIKE '%.exe'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.7']" "$tmp/obs.json"
    grep -qx 'no match' "$tmp/out" || fail "no match not printed"
    expect_status 0 "$rasid" intel pattern match "[file:name = 'payload.exe']" - <"$tmp/obs.json"
    # Invalid patterns (grammar or matcher), unreadable or malformed observations: exit 2.
    expect_status 2 "$rasid" intel pattern match "[file:name = ]" "$tmp/obs.json"
    grep -q 'column 14' "$tmp/err" || fail "no column for the invalid pattern"
    expect_status 2 "$rasid" intel pattern match "[file:name MATCHES '(']" "$tmp/obs.json"
    expect_status 2 "$rasid" intel pattern match "[file:name = 'x']" "$tmp/missing.json"
    grep -q 'missing.json' "$tmp/err" || fail "missing file not named"
    echo '[{"type": "observed-data"' >"$tmp/bad.json"
    expect_status 2 "$rasid" intel pattern match "[file:name = 'x']" "$tmp/bad.json"
    # STIX 2.0 observed-data with embedded objects and string START/STOP.
    echo '[{"type":"observed-data","first_observed":"2020-01-01T00:00:00Z","last_observed":"2020-01-01T00:00:00Z","number_observed":1,"objects":{"0":{"type":"file","name":"a"}}}]' >"$tmp/v20.json"
    expect_status 0 "$rasid" intel pattern match "[file:name = 'a'] START '2019-12-31T00:00:00Z' STOP '2020-01-02T00:00:00Z'" "$tmp/v20.json" --stix-version 2.0
    ;;
  correlation_event_count)
    # 3,560 failed logons for Administrator from one address in three minutes: the
    # event_count correlation (>= 1000 in 1 m) fires as often as a plain sliding count that
    # starts over after each alert says, computed here from the JSON lines independently.
    rules=tests/testdata/correlation
    "$rasid" hunt "$shared/samples/evtx" --rules "$rules" --format jsonl -o "$tmp/corr.jsonl" 2>"$tmp/err" || fail "hunt: $(cat "$tmp/err")"
    grep -q 'correlations  1 rules, [0-9]* alerts from 3561 matches' "$tmp/err" || fail "summary: $(cat "$tmp/err")"
    python3 - "$tmp/corr.jsonl" "$shared/samples/jsonl" <<'PY' || fail "correlation alerts differ from the expected ones"
import datetime, glob, json, sys
alerts = [json.loads(l) for l in open(sys.argv[1])]
def t(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
events = []
for f in sorted(glob.glob(sys.argv[2] + "/**/*.jsonl", recursive=True)):
    for line in open(f):
        e = json.loads(line)
        if e.get("Channel") == "Security" and e.get("EventID") == 4625 and "TargetUserName" in e and "IpAddress" in e:
            events.append((t(e["TimeCreated"]), (e["TargetUserName"], e["IpAddress"])))
events.sort(key=lambda x: x[0])
windows, expected = {}, []
for time, key in events:
    w = [x for x in windows.get(key, []) if x >= time - 60] + [time]
    if len(w) >= 1000:
        expected.append((key, len(w), w[0], w[-1]))
        w = []
    windows[key] = w
got = []
for a in alerts:
    c = a["correlation"]
    assert "event" not in a and "source" not in a, "a correlation alert has no source event"
    assert len(c["contributors"]) == 16 and c["contributors_truncated"], "contributors are bounded"
    got.append(((c["group"]["TargetUserName"], c["group"]["IpAddress"]), c["events"],
                t(c["window"]["start"]), t(c["window"]["end"])))
print(len(got), "correlation alerts, expected", len(expected))
ok = len(got) == len(expected) and all(
    g[0] == e[0] and g[1] == e[1] and abs(g[2] - e[2]) < 1e-5 and abs(g[3] - e[3]) < 1e-5
    for g, e in zip(got, expected))
sys.exit(0 if ok and got else 1)
PY
    # The base rule does not alert by itself (generate: false); with generate: true it does.
    sed 's/^correlation:/generate: true\ncorrelation:/' "$rules/password_guessing.yml" >"$tmp/generate.yml"
    "$rasid" hunt "$shared/samples/evtx" --rules "$tmp/generate.yml" --format jsonl -q >"$tmp/gen.jsonl" || fail "generate hunt"
    [ "$(grep -c '"correlation":' "$tmp/gen.jsonl")" = "$(wc -l <"$tmp/corr.jsonl")" ] || fail "generate changed the correlation alerts"
    [ "$(grep -c '"rule_title":"Failed logon"' "$tmp/gen.jsonl")" = 3561 ] || fail "generate: true should write the 3561 base alerts"
    # Chaining: a correlation over the password-guessing correlation (two of its alerts within
    # 5 minutes for one account). The inner one is then a step: only the outer one alerts,
    # unless the outer one says generate: true.
    { sed 's/^correlation:/name: guessing\ncorrelation:/' "$rules/password_guessing.yml"
      printf '%s\n' '---' 'title: Repeated password guessing' 'correlation:' '  type: event_count' \
        '  rules: [guessing]' '  group-by: [TargetUserName]' '  timespan: 5m' '  condition: {gte: 2}' 'level: critical'
    } >"$tmp/chain.yml"
    "$rasid" hunt "$shared/samples/evtx" --rules "$tmp/chain.yml" --format jsonl -q >"$tmp/chain.jsonl" || fail "chain hunt"
    [ "$(wc -l <"$tmp/chain.jsonl")" = 1 ] || fail "chain: want only the outer alert: $(cat "$tmp/chain.jsonl")"
    grep -q '"rule_title":"Repeated password guessing".*"value":2,"events":2' "$tmp/chain.jsonl" || fail "chain: outer alert"
    sed 's/^level: critical/level: critical\ngenerate: true/' "$tmp/chain.yml" >"$tmp/chain2.yml"
    "$rasid" hunt "$shared/samples/evtx" --rules "$tmp/chain2.yml" --format jsonl -q >"$tmp/chain2.jsonl" || fail "chain2 hunt"
    [ "$(grep -c '"rule_title":"Password guessing' "$tmp/chain2.jsonl")" = "$(wc -l <"$tmp/corr.jsonl")" ] || fail "chain: generate should show the inner alerts"
    ;;
  detections_group)
    # --group detections on the samples equals grouping the alerts independently: same rule,
    # same Computer, within 24 h of the detection's first alert, in event-time order.
    "$rasid" hunt "$shared/samples/jsonl" --rules "$shared/sigma/rules/windows" --format jsonl -q >"$tmp/alerts" || fail "alerts"
    "$rasid" hunt "$shared/samples/jsonl" --rules "$shared/sigma/rules/windows" --format jsonl --group detections -o "$tmp/det" 2>"$tmp/err" || fail "detections"
    grep -q "detections  $(wc -l <"$tmp/det") " "$tmp/err" || fail "summary: $(cat "$tmp/err")"
    python3 - "$tmp/alerts" "$tmp/det" <<'PY' || fail "detections differ from the alerts grouped independently"
import datetime, json, sys
def t(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
alerts = [json.loads(l) for l in open(sys.argv[1])]
order = sorted(range(len(alerts)), key=lambda i: (alerts[i]["timestamp"] is None, t(alerts[i]["timestamp"]) if alerts[i]["timestamp"] else 0, i))
open_, expected = {}, []
for i in order:
    a = alerts[i]
    key = (a["rule_id"], a["rule_title"], a["event"].get("Computer", ""))
    time = t(a["timestamp"]) if a["timestamp"] else None
    d = open_.get(key)
    if d is not None and ((time is None and d["first"] is None) or (time is not None and d["first"] is not None and time - d["first"] <= 86400)):
        d["count"] += 1
        continue
    d = {"key": key, "first": time, "count": 1, "src": "%s:%d:%s" % (a["source"]["file"], a["source"]["line"], a["rule_id"] or a["rule_title"])}
    open_[key] = d
    expected.append(d)
got = [json.loads(l) for l in open(sys.argv[2])]
print(len(alerts), "alerts,", len(got), "detections, expected", len(expected))
ok = len(got) == len(expected) and sum(g["count"] for g in got) == len(alerts) and all(
    (g["rule_id"], g["rule_title"], g["host"]) == e["key"] and g["count"] == e["count"] and g["first_alert"] == e["src"]
    for g, e in zip(got, expected))
sys.exit(0 if ok and len(got) < len(alerts) else 1)
PY
    expect_status 2 "$rasid" hunt demo/logs --rules demo/rules --group detections --detection-window 3x
    grep -q 'detection-window' "$tmp/err" || fail "bad window not named"
    ;;
  intel_hunt)
    # Indicators from a plain list matched in the demo logs: a SHA256 in a Sysmon Hashes
    # string, a CIDR (longest prefix), a domain with its subdomains, an exact IP.
    printf '# demo feed\n203.0.113.0/24\n52.98.207.2\n*.office365.com\nD6BC5A0A45F9160CF2EE398296A845EECA7CA7AB85BDC53EC77A969C3E6905DA\nnot-an-indicator!\n' >"$tmp/feed.txt"
    expect_status 0 "$rasid" hunt demo/logs --intel "$tmp/feed.txt" --format jsonl --threads 1
    cp "$tmp/out" "$tmp/one"; cp "$tmp/err" "$tmp/one.err"
    grep -q "feed.txt:6: not an indicator" "$tmp/one.err" || fail "bad feed line not reported with file:line"
    "$rasid" hunt demo/logs --intel "$tmp/feed.txt" --format jsonl --threads 4 -q >"$tmp/four" || fail "4 threads"
    cmp -s "$tmp/one" "$tmp/four" || fail "indicator alerts differ between 1 and 4 threads"
    python3 - "$tmp/one" demo/logs <<'PY' || fail "indicator alerts are not the expected ones"
import gzip, json, os, sys
alerts = [json.loads(l) for l in open(sys.argv[1])]
keys = {"id", "type", "value", "source", "tlp", "confidence", "match", "field", "observed", "valid_from", "valid_until"}
assert alerts and all(set(a["indicator"]) == keys for a in alerts), "indicator keys"
# Independent count: events whose IP fields hold 203.0.113.x (the CIDR) or 52.98.207.2.
events = []
for name in sorted(os.listdir(sys.argv[2])):
    path = os.path.join(sys.argv[2], name)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt") as f:
        events += [json.loads(l) for l in f if l.strip()]
ip_fields = ["DestinationIp", "SourceIp", "IpAddress"]
want_net = sum(1 for e in events for f in ip_fields if str(e.get(f, "")).startswith("203.0.113."))
want_ip = sum(1 for e in events for f in ip_fields if e.get(f) == "52.98.207.2")
want_dom = sum(1 for e in events for f in ["QueryName", "DestinationHostname"] if str(e.get(f, "")).lower().endswith(".office365.com"))
want_hash = sum(1 for e in events if "D6BC5A0A45F9160CF2EE398296A845EECA7CA7AB85BDC53EC77A969C3E6905DA" in str(e.get("Hashes", "")))
by = lambda m, t: [a for a in alerts if a["indicator"]["match"] == m and a["indicator"]["type"] == t]
net, ip, dom, sha = by("network", "ipv4-addr"), by("exact", "ipv4-addr"), by("subdomain", "domain-name"), by("exact", "sha256")
print(len(net), want_net, len(ip), want_ip, len(dom), want_dom, len(sha), want_hash)
assert len(net) == want_net > 0 and all(a["indicator"]["value"] == "203.0.113.0/24" for a in net)
assert len(ip) == want_ip > 0 and len(dom) == want_dom > 0 and len(sha) == want_hash > 0
assert all(a["indicator"]["field"] == "Hashes" and a["indicator"]["value"] == "d6bc5a0a45f9160cf2ee398296a845eeca7ca7ab85bdc53ec77a969c3e6905da" for a in sha)
assert all(a["indicator"]["value"] == "office365.com" and a["indicator"]["observed"].lower().endswith(".office365.com") for a in dom)
assert len(alerts) == want_net + want_ip + want_dom + want_hash
assert all(a["rule_id"].endswith("feed.txt:%d" % {"203.0.113.0/24": 2, "52.98.207.2": 3, "office365.com": 4}.get(a["indicator"]["value"], 5)) for a in alerts)
PY
    # Warninglists suppress known-benign values: counted and listed, never dropped silently.
    expect_status 0 "$rasid" hunt demo/logs --intel "$tmp/feed.txt" --format jsonl --warninglists "$shared/intel/misp-warninglists/lists"
    suppressed=$(sed -n 's/.* \([0-9]*\) hits suppressed by .*/\1/p' "$tmp/err")
    [ -n "$suppressed" ] && [ "$suppressed" -gt 0 ] || fail "no suppressed hits in the summary"
    [ $(( $(wc -l <"$tmp/one") - $(wc -l <"$tmp/out") )) = "$suppressed" ] || fail "suppressed count does not account for the missing alerts"
    grep -q 'suppressed: 203.0.113.0/24 (indicator .*feed.txt:2) on warninglist' "$tmp/err" || fail "suppressed value not listed"
    # Rules and indicators in the same output; the table names the field that matched.
    expect_status 0 "$rasid" hunt demo/logs --rules demo/rules --intel "$tmp/feed.txt" --no-color
    grep -q 'Indicator match: sha256 .*Hashes=' "$tmp/out" || fail "no indicator alert in the table"
    grep -q 'Certutil' "$tmp/out" || fail "rule alerts missing next to indicator alerts"
    # intel check: counts by type, the bad line, exit 1.
    expect_status 1 "$rasid" intel check "$tmp/feed.txt"
    grep -q 'feed.txt:6' "$tmp/out" || fail "intel check does not name the bad line"
    grep -q '1  sha256' "$tmp/out" || fail "intel check has no count by type"
    expect_status 0 "$rasid" intel check "$shared/intel/misp-feed-sample"
    expect_status 2 "$rasid" hunt demo/logs
    # The field map can be replaced: with ip: [IpAddress] only, DestinationIp is not read.
    printf 'ip: [IpAddress]\n' >"$tmp/fields.yml"
    expect_status 0 "$rasid" hunt demo/logs --intel "$tmp/feed.txt" --format jsonl --intel-fields "$tmp/fields.yml" -q
    grep -q '"field":"IpAddress"' "$tmp/out" || fail "IpAddress not read with the custom field map"
    ! grep -q '"field":"DestinationIp"' "$tmp/out" || fail "DestinationIp read although the field map replaced it"
    grep -q '"field":"DestinationIp"' "$tmp/one" || fail "the default field map does not read DestinationIp"
    expect_status 2 "$rasid" hunt demo/logs --intel "$tmp/feed.txt" --intel-field nokind=X
    # STIX bundle: a one-observation pattern that is no equality runs per event; a pattern of
    # several observations is loaded and runs over the events (no a.exe in the demo: no alert;
    # intel_observations_test.sh tests those); TLP and confidence are kept.
    cat >"$tmp/bundle.json" <<'JSON'
{"type": "bundle", "id": "bundle--1", "objects": [
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--11111111-1111-4111-8111-111111111111",
  "pattern": "[process:command_line LIKE '%certutil%-URLCache%']", "pattern_type": "stix",
  "valid_from": "2020-01-01T00:00:00Z", "confidence": 85,
  "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--22222222-2222-4222-8222-222222222222",
  "pattern": "[process:name = 'a.exe'] FOLLOWEDBY [file:name = 'b.dll']", "pattern_type": "stix",
  "valid_from": "2020-01-01T00:00:00Z"}]}
JSON
    expect_status 0 "$rasid" hunt demo/logs --intel "$tmp/bundle.json" --format jsonl
    ! grep -q 'not evaluable in a hunt' "$tmp/err" || fail "multi-observation pattern reported as not evaluable"
    grep -q '1 patterns of several observations' "$tmp/err" || fail "multi-observation pattern not in the summary"
    python3 - "$tmp/out" demo/logs/corp-2026-11-17.jsonl <<'PY' || fail "per-event STIX pattern alerts are wrong"
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1])]
# LIKE is case-sensitive (STIX): "-urlcache" in lower case does not match "-URLCache".
import re
like = re.compile(r".*certutil.*-URLCache.*", re.S)
want = sum(1 for l in open(sys.argv[2]) if l.strip() and like.fullmatch(json.loads(l).get("CommandLine", "")))
got = [a for a in alerts if a["indicator"]["match"] == "pattern"]
print(len(got), want)
assert want > 0 and len(got) == want == len(alerts)
assert all(a["indicator"]["tlp"] == "amber" and a["indicator"]["confidence"] == 85 and a["indicator"]["type"] == "stix-pattern" for a in got)
assert all(a["indicator"]["id"] == "indicator--11111111-1111-4111-8111-111111111111" for a in got)
PY
    ;;
  intel_observables)
    # Each kind of observable field on synthetic events: URL (exact and its host), host:port,
    # e-mail in "Name <addr>", IPv6 in a network, a bare MD5 field, validity windows.
    cat >"$tmp/events.jsonl" <<'JSON'
{"TimeCreated":"2026-01-02T00:00:00Z","url":"HTTPS://Www.Evil.Example:443/a?b=1#frag"}
{"TimeCreated":"2026-01-02T00:00:01Z","url":"http://other.example/x","Host":"cdn.bad.example:8080"}
{"TimeCreated":"2026-01-02T00:00:02Z","Sender":"Mallory <MALLORY@Phish.Example>"}
{"TimeCreated":"2026-01-02T00:00:03Z","SourceIp":"2001:DB8:0:1::7","md5":"D41D8CD98F00B204E9800998ECF8427E"}
{"TimeCreated":"2019-01-01T00:00:00Z","DestinationIp":"198.51.100.77"}
{"TimeCreated":"2026-01-02T00:00:04Z","DestinationIp":"198.51.100.77"}
{"TimeCreated":"2026-01-02T00:00:05Z","QueryName":"evil.example.org","url":"https://www.evil.example/b"}
JSON
    printf 'https://www.evil.example/a?b=1\n*.bad.example\nmallory@phish.example\n2001:db8::/32\nd41d8cd98f00b204e9800998ecf8427e\nwww.evil.example\n' >"$tmp/feed.txt"
    cat >"$tmp/valid.json" <<'JSON'
{"type": "bundle", "id": "bundle--2", "objects": [
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--33333333-3333-4333-8333-333333333333",
  "pattern": "[ipv4-addr:value = '198.51.100.77']", "pattern_type": "stix",
  "valid_from": "2025-01-01T00:00:00Z", "valid_until": "2027-01-01T00:00:00Z"}]}
JSON
    expect_status 0 "$rasid" hunt "$tmp/events.jsonl" --intel "$tmp/feed.txt" --intel "$tmp/valid.json" --format jsonl --threads 1
    python3 - "$tmp/out" <<'PY' || fail "observable extraction gave other alerts"
import json, sys
got = sorted((a["source"]["line"], a["indicator"]["field"], a["indicator"]["value"], a["indicator"]["match"])
             for a in map(json.loads, open(sys.argv[1])))
want = sorted([
    (1, "url", "https://www.evil.example/a?b=1", "exact"),      # URL normalized: scheme, case, port, fragment
    (1, "url", "www.evil.example", "exact"),                    # and its host as a domain
    (2, "Host", "bad.example", "subdomain"),                    # host:port, subdomain indicator
    (3, "Sender", "mallory@phish.example", "exact"),            # Name <addr>, lower-cased
    (4, "SourceIp", "2001:db8::/32", "network"),                # IPv6 longest prefix
    (4, "md5", "d41d8cd98f00b204e9800998ecf8427e", "exact"),    # bare digest field
    (6, "DestinationIp", "198.51.100.77", "exact"),             # inside valid_from/valid_until only
    (7, "url", "www.evil.example", "exact"),                    # the URL's host; the URL itself is not listed
])
for g in got: print(g)
assert got == want, "got %s" % got
PY
    ;;
  *)
    fail "unknown case $case_name"
    ;;
esac
echo "ok: $case_name"
