#!/usr/bin/env python3
"""Test client of the rasid hub for tests/hub/hub_test.sh (test tooling only).

  hub_client.py load URL TOKEN ACKFILE BATCHES SIZE
      Sends BATCHES batches of SIZE alerts (ids "b<batch>-<i>") one after another and appends
      the number of each batch to ACKFILE (flushed, fsync'ed) only after the hub answered 200.
      Stops quietly at the first connection error (the hub was killed).
  hub_client.py verify URL TOKEN ACKFILE BATCHES SIZE
      Reads every alert through the API (coordinator token, pages of 1000) and checks that every
      alert of every acknowledged batch is there, and that only whole batches are stored.
  hub_client.py graceful URL TOKEN PID SIZE
      Opens a connection, sends the headers and half of a batch, sends SIGTERM to PID, sends
      the rest, and requires a 200 answer with every alert accepted.
"""
import http.client
import json
import os
import signal
import sys
import time
import urllib.parse


def batch_body(batch, size):
    lines = []
    for i in range(size):
        lines.append(json.dumps({
            "id": f"b{batch}-{i}",
            "timestamp": "2026-01-01T00:00:%02d.%06dZ" % (i % 60, batch),
            "rule_id": f"rule-{i % 7}", "rule_title": "Load test", "level": "medium",
            "tags": ["attack.t1059"], "rule_author": "test", "rule_status": "test",
            "rule_file": "x.yml", "source": {"file": "load.jsonl", "line": i + 1},
            "event": {"Computer": f"host-{i % 13}", "EventID": 1, "n": i}}))
    return ("\n".join(lines) + "\n").encode()


def connect(url):
    u = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=30)


def load(url, token, ackfile, batches, size):
    conn = connect(url)
    with open(ackfile, "a") as ack:
        for b in range(batches):
            body = batch_body(b, size)
            try:
                conn.request("POST", "/api/v1/alerts", body=body,
                             headers={"Authorization": "Bearer " + token,
                                      "Content-Type": "application/x-ndjson"})
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException):
                return 0
            if resp.status != 200:
                print(f"batch {b}: HTTP {resp.status} {data[:200]!r}", file=sys.stderr)
                return 1
            answer = json.loads(data)
            if answer["accepted"] + answer["duplicates"] != size:
                print(f"batch {b}: bad counts {answer}", file=sys.stderr)
                return 1
            ack.write(f"{b}\n")
            ack.flush()
            os.fsync(ack.fileno())
    return 0


def verify(url, token, ackfile, batches, size):
    acked = {int(line) for line in open(ackfile) if line.strip()}
    conn = connect(url)
    seen = set()
    cursor = None
    while True:
        path = "/api/v1/alerts?limit=1000" + (f"&cursor={cursor}" if cursor else "")
        conn.request("GET", path, headers={"Authorization": "Bearer " + token})
        resp = conn.getresponse()
        page = json.loads(resp.read())
        if resp.status != 200:
            print(f"read failed: {resp.status} {page}", file=sys.stderr)
            return 1
        for item in page["items"]:
            seen.add(item["id"])
        cursor = page.get("next")
        if not cursor:
            break
    missing = [f"b{b}-{i}" for b in sorted(acked) for i in range(size) if f"b{b}-{i}" not in seen]
    stored_batches = {}
    for alert_id in seen:
        b = int(alert_id[1:].split("-")[0])
        stored_batches[b] = stored_batches.get(b, 0) + 1
    partial = {b: n for b, n in stored_batches.items() if n != size}
    print(f"acknowledged batches {len(acked)}, stored alerts {len(seen)}, missing {len(missing)}, "
          f"partial batches {len(partial)}")
    if missing:
        print("missing e.g.", missing[:5], file=sys.stderr)
    if partial:
        print("partial batches", partial, file=sys.stderr)
    return 1 if missing or partial else 0


def graceful(url, token, pid, size):
    body = batch_body(999, size)
    conn = connect(url)
    conn.putrequest("POST", "/api/v1/alerts")
    conn.putheader("Authorization", "Bearer " + token)
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    half = len(body) // 2
    conn.send(body[:half])
    time.sleep(0.3)  # the hub has accepted the connection and is reading the body
    os.kill(pid, signal.SIGTERM)
    time.sleep(0.3)
    conn.send(body[half:])
    resp = conn.getresponse()
    data = json.loads(resp.read())
    if resp.status != 200 or data.get("accepted") != size:
        print(f"in-flight request not completed: {resp.status} {data}", file=sys.stderr)
        return 1
    return 0


def main():
    cmd = sys.argv[1]
    if cmd == "load":
        return load(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
    if cmd == "verify":
        return verify(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
    if cmd == "graceful":
        return graceful(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
