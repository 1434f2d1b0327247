#!/bin/bash
# `rasid serve --config FILE`: options from the file, the command line winning, errors that
# name the file and line, --data required from one or the other.
# Usage: config_test.sh RASID_BINARY
set -u
rasid=$1
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
file_port=$(free_port)
cli_port=$(free_port)
cat > "$tmp/hub.conf" <<CONF
# rasid hub configuration
[serve]
data = "$tmp/hub"
listen = "127.0.0.1:$file_port"   # overridden below on the command line
insecure-http = true
CONF
"$rasid" serve --config "$tmp/hub.conf" --listen "127.0.0.1:$cli_port" >"$tmp/log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$cli_port/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$cli_port/healthz" | grep -q '"status":"ok"' || fail "hub not on the command line's port"
curl -sf "http://127.0.0.1:$file_port/healthz" >/dev/null && fail "the file's listen should have lost to the command line"
[ -f "$tmp/hub/hub.db" ] || fail "data folder from the file not used"
kill "$server"; wait "$server"; server=

printf 'data = "%s"\nlisten = "127.0.0.1:1"\ncolour = blue\n' "$tmp/hub" > "$tmp/bad.conf"
"$rasid" serve --config "$tmp/bad.conf" 2>"$tmp/err"; [ $? = 2 ] || fail "bad config: exit status"
grep -q "bad.conf:3: unknown option 'colour'" "$tmp/err" || fail "bad config message: $(cat "$tmp/err")"
printf 'insecure-http = maybe\n' > "$tmp/bad2.conf"
"$rasid" serve --config "$tmp/bad2.conf" 2>"$tmp/err"; [ $? = 2 ] || fail "bad flag value: exit status"
grep -q "bad2.conf:1: insecure-http must be true or false" "$tmp/err" || fail "bad flag message: $(cat "$tmp/err")"
"$rasid" serve 2>"$tmp/err"; [ $? = 2 ] || fail "no data: exit status"
grep -q -- "--data is required" "$tmp/err" || fail "no data message"
"$rasid" serve --config "$tmp/none.conf" 2>"$tmp/err"; [ $? = 2 ] || fail "missing file: exit status"
grep -q "none.conf: cannot open" "$tmp/err" || fail "missing file message"
echo "config: ok"
