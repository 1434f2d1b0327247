#!/usr/bin/env python3
"""Writes the flat-convention events of every SigmaHQ regression case (the expected side).

The expected side of the nested-evtx differential test (tests/input/samples_test.cc). Each
regression case ships the same events twice: an .evtx file and evtx_dump's nested JSON of it.
The flat events here come from the .evtx through shared/tools/evtx2jsonl.py, which defines the
flat convention, so they are independent of rasid's JSON decoder; the test decodes the nested
.json with JsonDecoder::decode_full and compares. One line per case:
{"case": "<path of the .json below regression_data>", "events": [{flat event}, ...]}

Run by the build (tests/input/CMakeLists.txt) into the build folder: the events are the shared
data's, so they are derived from ../shared at build time and never copied into the repository.
Usage: gen_nested_evtx_expected.py SHARED_DIR OUT.jsonl
"""
import glob
import json
import os
import subprocess
import sys



def main():
    shared, out_path = sys.argv[1], sys.argv[2]
    root = os.path.normpath(os.path.join(shared, "data", "sigma", "regression_data"))
    tool = os.path.normpath(os.path.join(shared, "tools", "evtx2jsonl.py"))
    cases = sorted(glob.glob(os.path.join(root, "**", "*.json"), recursive=True))
    tmp_path = out_path + ".tmp"
    with open(tmp_path, "w", encoding="utf-8", newline="\n") as out:
        for js in cases:
            evtx = js[:-len(".json")] + ".evtx"
            res = subprocess.run([sys.executable, tool, evtx], capture_output=True, text=True,
                                 check=True)
            events = [json.loads(line) for line in res.stdout.splitlines() if line]
            rel = os.path.relpath(js, root)
            out.write(json.dumps({"case": rel, "events": events}, ensure_ascii=False,
                                 separators=(",", ":")) + "\n")
    if not cases:
        sys.exit("no regression cases under " + root)
    os.replace(tmp_path, out_path)  # no half-written file if the run is interrupted
    print("%d cases written to %s" % (len(cases), out_path))


if __name__ == "__main__":
    main()
