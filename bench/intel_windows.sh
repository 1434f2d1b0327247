#!/bin/bash
# The costly case of STIX patterns of several observations in a hunt (src/intel/README.md,
# "Several observations in a hunt"): a FOLLOWEDBY whose events come in the wrong order, all
# inside one WITHIN window, so every event could make the window worth evaluating.
# Usage: bench/intel_windows.sh RASID_BINARY [EVENTS]   (default 4000; half each side)
set -eu
rasid=$1
n=${2:-4000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" "$n" <<'PY'
import json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
with open(f"{tmp}/worst.jsonl", "w") as f:
    for i in range(n):
        t = i * 1600.0 / n  # all within 1600 s
        e = {"UtcTime": "2026-11-29 10:%02d:%06.3f" % (int(t) // 60, t % 60), "Computer": "h"}
        if i < n // 2:  # the right side first...
            e.update({"Image": "C:\\x\\explorer.exe", "TargetFilename": "C:\\u\\payload.dll"})
        else:           # ...then the left side
            e.update({"Image": "C:\\w\\certutil.exe"})
        f.write(json.dumps(e) + "\n")
json.dump({"type": "bundle", "id": "bundle--5f0c6a8e-0000-4000-8000-000000000009", "objects": [
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000009",
     "pattern": "([process:name = 'certutil.exe'] FOLLOWEDBY [file:name = 'payload.dll']) WITHIN 3600 SECONDS",
     "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"}]}, open(f"{tmp}/worst.json", "w"))
PY
/usr/bin/time -f "%e s elapsed, %U s user CPU, %M KB max RSS" \
  "$rasid" hunt "$tmp/worst.jsonl" --intel "$tmp/worst.json" --format jsonl -o /dev/null --threads 1 2>&1 |
  grep -E "patterns of several|evaluations failed|elapsed"
