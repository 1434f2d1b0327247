#!/bin/bash
# End-to-end test of STIX patterns of several observations in `rasid hunt --intel`
# (docs/intel.md, "Patterns of several observations"): two JSON-lines inputs whose events are
# out of time order across and inside the files, six indicators (FOLLOWEDBY in a WITHIN window
# across two files, AND without a time bound, REPEATS 3 TIMES WITHIN, START/STOP in and out of
# range, an expired indicator) with outcomes worked out by hand below, then each pattern
# cross-checked with `rasid intel pattern match` over the same events as observed-data.
# Usage: intel_observations_test.sh RASID_BINARY
set -u
rasid=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# host1: line numbers matter (alerts name FILE:LINE). 2026-11-29 throughout.
cat >"$tmp/host1.jsonl" <<'EOF'
{"UtcTime":"2026-11-29 10:00:00.000","Computer":"h1","Image":"C:\\Windows\\System32\\certutil.exe","CommandLine":"certutil -urlcache -f http://x/p.dll"}
{"UtcTime":"2026-11-29 09:00:00.000","Computer":"h1","Image":"C:\\Program Files\\chrome.exe","DestinationIp":"203.0.113.66"}
{"UtcTime":"2026-11-29 11:00:00.000","Computer":"h1","Image":"C:\\Windows\\System32\\net.exe","CommandLine":"net user"}
{"UtcTime":"2026-11-29 11:00:20.000","Computer":"h1","Image":"C:\\Windows\\System32\\net.exe","CommandLine":"net group"}
{"UtcTime":"2026-11-29 11:00:40.000","Computer":"h1","Image":"C:\\Windows\\System32\\net.exe","CommandLine":"net localgroup"}
{"UtcTime":"2026-11-29 11:10:00.000","Computer":"h1","Image":"C:\\Windows\\System32\\net.exe","CommandLine":"net user"}
{"UtcTime":"2026-11-29 11:11:30.000","Computer":"h1","Image":"C:\\Windows\\System32\\net.exe","CommandLine":"net user"}
{"UtcTime":"2026-11-29 11:13:00.000","Computer":"h1","Image":"C:\\Windows\\System32\\net.exe","CommandLine":"net user"}
{"UtcTime":"2026-11-29 12:00:00.000","Computer":"h1","Image":"C:\\Windows\\System32\\certutil.exe","CommandLine":"certutil -decode a b"}
{"UtcTime":"2026-11-29 13:10:00.000","Computer":"h1","Image":"C:\\Windows\\System32\\rundll32.exe","CommandLine":"rundll32 p.dll,Run"}
{"UtcTime":"2026-11-29 14:01:00.000","Computer":"h1","Image":"C:\\Windows\\System32\\certutil.exe","CommandLine":"certutil -hashfile x"}
{"UtcTime":"2026-11-29 15:00:00.000","Computer":"h1","Image":"C:\\Windows\\System32\\rundll32.exe","CommandLine":"rundll32 q.dll,Run"}
EOF
cat >"$tmp/host2.jsonl" <<'EOF'
{"UtcTime":"2026-11-29 10:01:00.000","Computer":"h2","Image":"C:\\Windows\\System32\\svchost.exe","DestinationIp":"10.0.0.1"}
{"UtcTime":"2026-11-29 10:02:00.000","Computer":"h2","Image":"C:\\Windows\\explorer.exe","TargetFilename":"C:\\Users\\x\\payload.dll"}
{"UtcTime":"2026-11-29 12:10:00.000","Computer":"h2","Image":"C:\\Windows\\explorer.exe","TargetFilename":"C:\\Users\\x\\payload.dll"}
{"UtcTime":"2026-11-29 13:20:00.000","Computer":"h2","Image":"C:\\Program Files\\chrome.exe","DestinationIp":"198.51.100.9"}
{"UtcTime":"2026-11-29 14:00:00.000","Computer":"h2","Image":"C:\\Windows\\explorer.exe","TargetFilename":"C:\\Users\\x\\payload.dll"}
{"UtcTime":"2026-11-29 16:00:00.000","Computer":"h2","Image":"C:\\Program Files\\chrome.exe","QueryName":"evil.example"}
{"Computer":"h2","Image":"C:\\Windows\\System32\\certutil.exe","CommandLine":"certutil without a time"}
EOF
cat >"$tmp/bundle.json" <<'EOF'
{"type": "bundle", "id": "bundle--5f0c6a8e-0000-4000-8000-000000000000", "objects": [
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000001",
  "pattern": "([process:name = 'certutil.exe'] FOLLOWEDBY [file:name = 'payload.dll']) WITHIN 300 SECONDS",
  "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z", "confidence": 70,
  "object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000002",
  "pattern": "[ipv4-addr:value = '203.0.113.66'] AND [domain-name:value = 'evil.example']",
  "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000003",
  "pattern": "[process:name = 'net.exe'] REPEATS 3 TIMES WITHIN 60 SECONDS",
  "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000004",
  "pattern": "([process:name = 'rundll32.exe'] AND [ipv4-addr:value = '198.51.100.9']) START t'2026-11-29T13:00:00Z' STOP t'2026-11-29T14:00:00Z'",
  "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000005",
  "pattern": "([process:name = 'rundll32.exe'] AND [ipv4-addr:value = '198.51.100.9']) START t'2026-11-29T15:00:00Z' STOP t'2026-11-29T16:00:00Z'",
  "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000006",
  "pattern": "([process:name = 'certutil.exe'] FOLLOWEDBY [file:name = 'payload.dll']) WITHIN 300 SECONDS",
  "pattern_type": "stix", "valid_from": "2025-01-01T00:00:00Z", "valid_until": "2026-11-29T00:00:00Z"}
]}
EOF

# Loaded, nothing reported as not evaluable.
"$rasid" intel check "$tmp/bundle.json" >"$tmp/check" 2>&1 || { cat "$tmp/check"; fail "intel check reports a problem"; }
grep -q "not evaluable" "$tmp/check" && fail "intel check still calls a pattern not evaluable"

"$rasid" hunt "$tmp/host1.jsonl" "$tmp/host2.jsonl" --intel "$tmp/bundle.json" --format jsonl --threads 2 \
  >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "hunt failed"; }
cat "$tmp/err"
grep -q "not evaluable" "$tmp/err" && fail "the hunt still calls a pattern not evaluable"
# 6 patterns; 17 events kept (every host1 line, host2 lines 2-6; the svchost line satisfies
# nothing, the last host2 line has no time); 4 alerts.
grep -q "6 patterns of several observations: 17 events kept, 4 alerts" "$tmp/err" || fail "summary counts"
grep -q "not evaluated: 1 events without an event time, 0 over the memory cap" "$tmp/err" || fail "untimed event not counted"

python3 - "$tmp" "$rasid" <<'PY' || fail "alerts differ from the expected ones"
import json, os, subprocess, sys
tmp, rasid = sys.argv[1], sys.argv[2]
h1, h2 = os.path.join(tmp, "host1.jsonl"), os.path.join(tmp, "host2.jsonl")
alerts = [json.loads(l) for l in open(os.path.join(tmp, "out"))]
got = {}
for a in alerts:
    ind = a["indicator"]
    assert ind["match"] == "observations" and ind["type"] == "stix-pattern", a
    got.setdefault(ind["id"], []).append(a)
def iid(n): return "indicator--00000000-0000-4000-8000-%012d" % n
# Worked out by hand:
# 1: certutil h1:1 (10:00) then payload.dll h2:2 (10:02), 120 s <= 300 s: a match across the
#    files. certutil h1:9 (12:00) / payload h2:3 (12:10) are 600 s apart; payload h2:5 (14:00)
#    comes before certutil h1:11 (14:01): no more matches.
# 2: no time bound: 203.0.113.66 (h1:2, 09:00) and evil.example (h2:6, 16:00), 7 h apart.
# 3: net.exe at 11:00:00, :20, :40 (h1:3-5); the later three are 90 s apart each.
# 4: rundll32 h1:10 (13:10) and 198.51.100.9 h2:4 (13:20) inside [13:00, 14:00).
# 5: [15:00, 16:00) has rundll32 h1:12 but not the address: no alert.
# 6: expired (valid_until before the events): no alert.
want = {1: [[f"{h1}:1", f"{h2}:2"]], 2: [[f"{h1}:2", f"{h2}:6"]],
        3: [[f"{h1}:3", f"{h1}:4", f"{h1}:5"]], 4: [[f"{h1}:10", f"{h2}:4"]]}
assert sorted(got) == sorted(iid(n) for n in want), sorted(got)
times = {1: "2026-11-29T10:02:00.000000Z", 2: "2026-11-29T16:00:00.000000Z",
         3: "2026-11-29T11:00:40.000000Z", 4: "2026-11-29T13:20:00.000000Z"}
for n, bindings in want.items():
    alerts_n = got[iid(n)]
    assert [a["indicator"]["observations"] for a in alerts_n] == bindings, (n, alerts_n)
    last = alerts_n[0]
    # The alert sits at the observation that completed the pattern.
    file, line = bindings[0][-1].rsplit(":", 1)
    assert last["source"] == {"file": file, "line": int(line)}, last["source"]
    assert last["timestamp"] == times[n], (n, last["timestamp"])
    assert last["event"]["Computer"] == ("h1" if file == h1 else "h2")
a1 = got[iid(1)][0]["indicator"]
assert a1["tlp"] == "amber" and a1["confidence"] == 70 and a1["value"].startswith("([process:name"), a1
# Alerts come in event-time order: 10:02, 11:00:40, 13:20, 16:00.
assert [a["timestamp"] for a in alerts] == sorted(times.values()), [a["timestamp"] for a in alerts]

# Cross-check with the in-tree matcher over the same events as observed-data (the documented
# per-event objects: process name from Image, file name from TargetFilename, ipv4-addr from
# DestinationIp, domain-name from QueryName). Indicator 6 differs only by its validity.
def objects(e):
    o = {}
    def add(x): o[str(len(o))] = x
    if "DestinationIp" in e: add({"type": "ipv4-addr", "value": e["DestinationIp"]})
    if "QueryName" in e: add({"type": "domain-name", "value": e["QueryName"]})
    if "Image" in e: add({"type": "process", "name": e["Image"].rsplit("\\", 1)[-1]})
    if "TargetFilename" in e: add({"type": "file", "name": e["TargetFilename"].rsplit("\\", 1)[-1]})
    return o
observations = []
for path in (h1, h2):
    for i, l in enumerate(open(path)):
        e = json.loads(l)
        if "UtcTime" not in e: continue
        t = e["UtcTime"].replace(" ", "T") + "Z"
        observations.append({"type": "observed-data", "id": "observed-data--00000000-0000-4000-8000-%012d" % len(observations),
                             "first_observed": t, "last_observed": t, "number_observed": 1, "objects": objects(e)})
obs_path = os.path.join(tmp, "observations.json")
json.dump(observations, open(obs_path, "w"))
bundle = json.load(open(os.path.join(tmp, "bundle.json")))
for n in range(1, 6):
    pattern = next(o["pattern"] for o in bundle["objects"] if o["id"] == iid(n))
    r = subprocess.run([rasid, "intel", "pattern", "match", pattern, obs_path], capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr
    assert (r.returncode == 0) == (n in want), (n, r.stdout, r.stderr)
print("checked", len(alerts), "alerts and 5 cross-checks")
PY

# The table names the contributing events.
"$rasid" hunt "$tmp/host1.jsonl" "$tmp/host2.jsonl" --intel "$tmp/bundle.json" --no-color -q >"$tmp/table" ||
  fail "table hunt failed"
grep -q "observations=3 $tmp/host1.jsonl:3 $tmp/host1.jsonl:4 $tmp/host1.jsonl:5" "$tmp/table" ||
  { cat "$tmp/table"; fail "table does not list the observations"; }
# Inputs in the other order and one thread give the same alerts (event-time order).
"$rasid" hunt "$tmp/host2.jsonl" "$tmp/host1.jsonl" --intel "$tmp/bundle.json" --format jsonl --threads 1 -q \
  >"$tmp/reversed" || fail "reversed hunt failed"
cmp -s "$tmp/out" "$tmp/reversed" || { diff "$tmp/out" "$tmp/reversed"; fail "input order changes the alerts"; }

# The memory cap: 10,000 events satisfy a leaf; with --correlation-memory 1 (MiB) only part of
# them is kept and the rest is counted, never silently lost.
python3 - "$tmp/many.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(10000):
        f.write(json.dumps({"UtcTime": "2026-11-29 10:%02d:%02d.%03d" % (i // 6000, i // 100 % 60, i % 1000),
                            "Computer": "h3", "Image": "C:\\Windows\\System32\\net.exe",
                            "CommandLine": "net user %d" % i}) + "\n")
PY
cat >"$tmp/cap.json" <<'EOF'
{"type": "bundle", "id": "bundle--5f0c6a8e-0000-4000-8000-000000000001", "objects": [
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000007",
  "pattern": "[process:name = 'net.exe'] AND [file:name = 'never.dll']", "pattern_type": "stix",
  "valid_from": "2026-01-01T00:00:00Z"}]}
EOF
"$rasid" hunt "$tmp/many.jsonl" --intel "$tmp/cap.json" --correlation-memory 1 --format jsonl \
  >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "capped hunt failed"; }
kept=$(sed -n 's/.*patterns of several observations: \([0-9]*\) events kept.*/\1/p' "$tmp/err")
over=$(sed -n 's/.*events without an event time, \([0-9]*\) over the memory cap.*/\1/p' "$tmp/err")
[ -n "$kept" ] && [ -n "$over" ] || { cat "$tmp/err"; fail "no counts for the capped hunt"; }
[ "$over" -gt 0 ] && [ "$kept" -gt 0 ] && [ $((kept + over)) = 10000 ] ||
  fail "kept $kept + over the cap $over is not the 10000 events"
[ ! -s "$tmp/out" ] || fail "alerts from a pattern whose file:name never occurs"
echo "capped: $kept kept, $over over the cap"
echo "ok"
