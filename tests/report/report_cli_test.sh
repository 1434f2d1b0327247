#!/bin/bash
# End-to-end test of `rasid report`: a real hub (`rasid serve` on loopback) ingests the
# synthetic alerts of tests/testdata/report (two authorities, one silent third), then the
# report is made from its SQLite store and checked against the figures worked out by hand in
# tests/testdata/report/README.md and against the golden report.json (checked by eye).
# Usage: report_cli_test.sh RASID_BINARY      (run from the source tree; CTest does)
# RASID_UPDATE_GOLDEN=1 rewrites the golden file instead of comparing.
set -u
rasid=$1
tmp=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/serve.log" ] && tail -20 "$tmp/serve.log" >&2; exit 1; }

data=$tmp/hub
"$rasid" admin --data "$data" authority add health --sector health >/dev/null || fail "authority add"
"$rasid" admin --data "$data" authority add energy --sector energy >/dev/null || fail "authority add"
"$rasid" admin --data "$data" authority add water --sector drinking-water >/dev/null || fail "authority add"
health_token=$("$rasid" admin --data "$data" token create --authority health --role sensor | tail -n 1)
energy_token=$("$rasid" admin --data "$data" token create --authority energy --role sensor | tail -n 1)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$rasid" serve --data "$data" --listen "127.0.0.1:$port" --insecure-http >"$tmp/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
post() {  # post TOKEN FILE
  curl -sf -X POST -H "Authorization: Bearer $1" -H "Content-Type: application/x-ndjson" \
    --data-binary "@$2" "http://127.0.0.1:$port/api/v1/alerts" || fail "POST $2"
}
post "$health_token" tests/testdata/report/health.jsonl | grep -q '"accepted":8' || fail "health batch"
post "$energy_token" tests/testdata/report/energy.jsonl | grep -q '"accepted":4' || fail "energy batch"
kill "$server"; wait "$server"; server=

out=$tmp/report
"$rasid" report --data "$data" --from 2026-09-01 --to 2026-10-01 --out "$out" --no-pdf \
  --attack ../shared/data/attack/enterprise-attack-compact.json >"$tmp/stdout" 2>"$tmp/stderr" \
  || { cat "$tmp/stderr" >&2; fail "rasid report exit status $?"; }
for f in report.html report.json navigator-layer.json by_authority.csv by_tactic.csv top_rules.csv; do
  [ -s "$out/$f" ] || fail "missing $f"
done
grep -q '^TLP:RED: 7 detections' "$tmp/stdout" || fail "summary line: $(cat "$tmp/stdout")"

# The hand-computed figures (tests/testdata/report/README.md).
python3 - "$out" <<'PY' || fail "figures differ from the hand-computed values"
import json, sys
out = sys.argv[1]
r = json.load(open(out + "/report.json"))
f = r["figures"]
def check(what, got, want):
    if got != want:
        print(f"{what}: got {got!r}, want {want!r}", file=sys.stderr); sys.exit(1)
check("tlp", r["meta"]["tlp"], "TLP:RED")
check("total", f["detections_total"]["current"], 7)
check("previous", f["detections_total"]["previous"], 2)
check("change", f["detections_total"]["change"]["text"], "n/a (previous period: 2)")
check("levels", [(x["level"], x["current"]) for x in f["detections_by_level"]["rows"]],
      [("critical", 1), ("high", 5), ("medium", 1), ("low", 0), ("informational", 0)])
check("authorities", [(x["authority"], x["current"], x["previous"]) for x in f["by_authority"]["rows"]],
      [("health", 4, 2), ("energy", 3, 0), ("water", 0, 0)])
tactics = {x["shortname"]: x["current"] for x in f["by_tactic"]["rows"] if x["current"]}
check("tactics", tactics, {"credential-access": 5, "execution": 1, "collection": 1})
check("techniques", [(x["technique_id"], x["current"]) for x in f["top_techniques"]["rows"]],
      [("T1003.001", 5), ("T1059.001", 1), ("T1560", 1)])
check("remapped", f["top_techniques"]["rows"][2].get("remapped_from"), ["T1002"])
check("rules", [(x["rule_id"], x["current"], x["authorities"]) for x in f["top_rules"]["rows"]],
      [("R1", 5, 2), ("R2", 1, 1), ("R3", 1, 1)])
check("hosts", [(x["authority"], x["host"], x["current"]) for x in f["top_hosts"]["rows"]],
      [("health", "h1", 3), ("energy", "e1", 2), ("energy", "e2", 1), ("health", "h2", 1)])
# The hub opened one national incident: rule R1 at health (2 Sep 10:00, 5 Sep 10:00) and energy
# (2 Sep 13:00, linked 3 Sep 13:01), within 72 h of each other, in September by event time.
check("cross-authority incidents", f["cross_authority_incidents"]["count"], 1)
check("incident authorities", f["cross_authority_incidents"]["rows"][0]["authorities"], ["energy", "health"])
check("incident title", f["cross_authority_incidents"]["rows"][0]["title"], 'Rule "Credential dump" at 2 authorities')
check("recommendations", [x["rule"] for x in r["recommendations"]], ["R2", "R4", "R7"])
layer = json.load(open(out + "/navigator-layer.json"))
for key in ("name", "domain", "versions", "techniques"):
    if key not in layer: print("layer lacks " + key, file=sys.stderr); sys.exit(1)
check("layer domain", layer["domain"], "enterprise-attack")
check("layer version", layer["versions"]["layer"], "4.5")
check("layer techniques", sorted(t["techniqueID"] for t in layer["techniques"]), ["T1003.001", "T1059.001", "T1560"])
PY

# Golden report.json; data_as_of is the ingestion time of this run, so it is masked.
python3 -c '
import json, sys
r = json.load(open(sys.argv[1])); r["meta"]["data_as_of"] = "(ingestion time of the test run)"
for row in r["figures"]["cross_authority_incidents"]["rows"]: row["created"] = "(time of the test run)"
json.dump(r, open(sys.argv[2], "w"), indent=2); open(sys.argv[2], "a").write("\n")' "$out/report.json" "$tmp/report.json"
if [ "${RASID_UPDATE_GOLDEN:-0}" = 1 ]; then
  mkdir -p tests/golden/report; cp "$tmp/report.json" tests/golden/report/report.json
else
  diff -u tests/golden/report/report.json "$tmp/report.json" >&2 || fail "report.json differs from tests/golden/report/report.json"
fi

# --tlp amber withholds the TLP:RED detection and says so.
"$rasid" report --data "$data" --from 2026-09-01 --to 2026-10-01 --out "$tmp/amber" --no-pdf --tlp amber \
  --attack ../shared/data/attack/enterprise-attack-compact.json >"$tmp/stdout" 2>&1 || fail "report --tlp amber"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["meta"]["tlp"] == "TLP:AMBER", r["meta"]["tlp"]
assert r["figures"]["detections_total"]["current"] == 6
assert r["meta"]["withheld_above_tlp"] == 1' "$tmp/amber/report.json" || fail "--tlp amber figures"
grep -q 'TLP:RED' "$tmp/amber/report.html" && fail "a TLP:RED marking in a TLP:AMBER report"

# Usage errors name the problem and exit 2.
"$rasid" report --data "$data" --from 2026-09-31 --to 2026-10-01 --out "$tmp/x" --no-pdf >/dev/null 2>"$tmp/err"
[ $? = 2 ] || fail "bad date: exit status"
grep -q "invalid date '2026-09-31'" "$tmp/err" || fail "bad date message: $(cat "$tmp/err")"
"$rasid" report --data "$data" --from 2026-09-01 --to 2026-10-01 --out "$tmp/x" --no-pdf --compare 2026-01-01:2026-01-05 \
  --attack ../shared/data/attack/enterprise-attack-compact.json >/dev/null 2>"$tmp/err"
[ $? = 2 ] || fail "short comparison: exit status"
grep -q "different length" "$tmp/err" || fail "comparison message: $(cat "$tmp/err")"
echo "report_cli: ok"
