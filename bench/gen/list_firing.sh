#!/bin/sh
# Writes bench/gen/firing_samples.tsv: which shared sample events fire some SigmaHQ Windows rule,
# as "relpath<TAB>first-last<TAB>rule ids" runs (relpath below the samples folder). The generator
# keeps these events out of its templates and replays a tiny fraction of them verbatim.
# Only line numbers and rule ids are stored, never sample content.
# Usage: bench/gen/list_firing.sh [RASID_BINARY]     (default build-bench/rasid), from anywhere
set -eu
cd "$(dirname "$0")/../.."
rasid=${1:-build-bench/rasid}
samples=../shared/data/samples/jsonl
rules=../shared/data/sigma/rules/windows
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$rasid" hunt "$samples" --rules "$rules" -q --format jsonl -o "$tmp"
python3 - "$tmp" "$samples" > bench/gen/firing_samples.tsv <<'PY'
import collections, json, os, sys
alerts, samples = sys.argv[1], os.path.normpath(sys.argv[2])
fired = collections.OrderedDict()
for line in open(alerts):
    a = json.loads(line)
    rel = os.path.relpath(os.path.normpath(a["source"]["file"]), samples)
    fired.setdefault((rel, a["source"]["line"]), set()).add(a["rule_id"])
print("# sample events firing a rule of sigma/rules/windows: written by bench/gen/list_firing.sh")
runs = []
for (rel, line), rules in sorted(fired.items()):
    key = ",".join(sorted(rules))
    if runs and runs[-1][0] == rel and runs[-1][2] == line - 1 and runs[-1][3] == key:
        runs[-1][2] = line
    else:
        runs.append([rel, line, line, key])
for rel, first, last, key in runs:
    print(f"{rel}\t{first}-{last}\t{key}")
PY
echo "bench/gen/firing_samples.tsv: $(grep -vc '^#' bench/gen/firing_samples.tsv) runs, $(wc -l < "$tmp") alerts"
