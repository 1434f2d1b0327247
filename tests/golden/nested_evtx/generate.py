#!/usr/bin/env python3
"""Regenerates expected.jsonl: the flat-convention events of every SigmaHQ regression case.

The expected side of the nested-evtx differential test (tests/input/samples_test.cc). Each
regression case ships the same events twice: an .evtx file and evtx_dump's nested JSON of it.
The flat events here come from the .evtx through shared/tools/evtx2jsonl.py, which defines the
flat convention, so they are independent of rasid's JSON decoder; the test decodes the nested
.json with JsonDecoder::decode_full and compares. One line per case:
{"case": "<path of the .json below regression_data>", "events": [{flat event}, ...]}

Usage (from the repository root): python3 tests/golden/nested_evtx/generate.py
"""
import glob
import json
import os
import subprocess
import sys

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared")
ROOT = os.path.normpath(os.path.join(SHARED, "data", "sigma", "regression_data"))
TOOL = os.path.normpath(os.path.join(SHARED, "tools", "evtx2jsonl.py"))


def main():
    out_path = os.path.join(os.path.dirname(__file__), "expected.jsonl")
    cases = sorted(glob.glob(os.path.join(ROOT, "**", "*.json"), recursive=True))
    with open(out_path, "w", encoding="utf-8", newline="\n") as out:
        for js in cases:
            evtx = js[:-len(".json")] + ".evtx"
            res = subprocess.run([sys.executable, TOOL, evtx], capture_output=True, text=True,
                                 check=True)
            events = [json.loads(line) for line in res.stdout.splitlines() if line]
            rel = os.path.relpath(js, ROOT)
            out.write(json.dumps({"case": rel, "events": events}, ensure_ascii=False,
                                 separators=(",", ":")) + "\n")
    print("%d cases written to %s" % (len(cases), out_path))


if __name__ == "__main__":
    main()
