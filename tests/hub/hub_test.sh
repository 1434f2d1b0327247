#!/bin/bash
# End-to-end tests of the hub: the real `rasid serve` process over loopback, driven with curl
# (and tests/hub/hub_client.py for the kill -9 and in-flight cases), with two authorities, a
# coordinator and an admin made by `rasid admin`.
# Usage: hub_test.sh RASID_BINARY CASE      (run from the source tree; CTest does)
set -u
rasid=$(realpath "$1")
case_name=$2
here=$(dirname "$(realpath "$0")")
tmp=$(mktemp -d)
data=$tmp/data
hub_pid=
cleanup() {
  [ -n "$hub_pid" ] && kill -9 "$hub_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  [ -f "$tmp/hub.log" ] && { echo "--- hub log (last 30 lines)" >&2; tail -30 "$tmp/hub.log" >&2; }
  exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

admin() { "$rasid" admin --data "$data" "$@"; }
# token AUTHORITY ROLE [args]: creates a token, prints it (the last line of the output).
token() {
  local a=$1 r=$2; shift 2
  admin token create --authority "$a" --role "$r" "$@" | tail -1
}

setup() {
  admin authority add agency-a --sector energy >/dev/null || fail "authority add"
  admin authority add bank-b --sector banking >/dev/null || fail "authority add"
  admin authority add committee --sector government >/dev/null || fail "authority add"
  sensor_a=$(token agency-a sensor)
  sensor_b=$(token bank-b sensor)
  analyst_a=$(token agency-a analyst)
  analyst_b=$(token bank-b analyst)
  coordinator=$(token committee coordinator)
  admin_tok=$(token committee admin)
  case $sensor_a in rsd_*) ;; *) fail "token create did not print the token last: '$sensor_a'" ;; esac
}

# start_hub [serve options...]: starts `rasid serve` on a free loopback port (plain HTTP unless
# options say otherwise), waits for /healthz.
start_hub() {
  port=$(free_port)
  url=http://127.0.0.1:$port
  if [ $# -eq 0 ]; then set -- --insecure-http; fi
  "$rasid" serve --data "$data" --listen "127.0.0.1:$port" "$@" >>"$tmp/hub.log" 2>&1 &
  hub_pid=$!
  local scheme=${scheme:-http} i
  for i in $(seq 1 100); do
    if curl -s -o /dev/null ${curl_tls:-} "$scheme://127.0.0.1:$port/healthz"; then return 0; fi
    kill -0 "$hub_pid" 2>/dev/null || fail "the hub exited at start"
    sleep 0.1
  done
  fail "the hub did not answer /healthz"
}

stop_hub() {
  kill -TERM "$hub_pid"
  wait "$hub_pid"
  local status=$?
  hub_pid=
  [ $status = 0 ] || fail "the hub exited with status $status after SIGTERM"
}

# call METHOD PATH TOKEN [BODY_FILE]: sets $code and $body.
call() {
  local method=$1 path=$2 tok=$3 file=${4:-}
  local args=(-s -o "$tmp/resp" -w '%{http_code}' -X "$method")
  [ -n "$tok" ] && args+=(-H "Authorization: Bearer $tok")
  [ -n "$file" ] && args+=(--data-binary "@$file" -H 'Content-Type: application/x-ndjson')
  code=$(curl "${args[@]}" ${curl_tls:-} "${scheme:-http}://127.0.0.1:$port$path")
  body=$(cat "$tmp/resp")
}

expect() {  # expect CODE [BODY_SUBSTRING] (after call)
  [ "$code" = "$1" ] || fail "HTTP $code, expected $1; body: $body"
  if [ $# -gt 1 ]; then
    case $body in *"$2"*) ;; *) fail "body lacks '$2': $body" ;; esac
  fi
}

json_field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])$2)" "$1"; }

alert() {  # alert ID LEVEL RULE [TAG] [TIMESTAMP]: one alert line (no id key when ID is -)
  local id=$1 level=$2 rule=$3 tag=${4:-attack.t1059.001} ts=${5:-2026-03-01T10:00:00.000000Z}
  local idkey=""
  [ "$id" != - ] && idkey="\"id\":\"$id\","
  echo "{${idkey}\"timestamp\":\"$ts\",\"rule_id\":\"$rule\",\"rule_title\":\"T $rule\",\"level\":\"$level\",\"tags\":[\"$tag\",\"attack.execution\"],\"rule_author\":\"t\",\"rule_status\":\"test\",\"rule_file\":\"r.yml\",\"source\":{\"file\":\"f.jsonl\",\"line\":1},\"event\":{\"Computer\":\"ws-1\",\"EventID\":1}}"
}

mkdir -p "$data"
case $case_name in
  ingest_idempotent)
    setup
    start_hub
    { alert a1 high r1; alert a2 low r2; alert - medium r3; } >"$tmp/batch.jsonl"
    call POST /api/v1/alerts "$sensor_a" "$tmp/batch.jsonl"
    expect 200 '"accepted":3,"duplicates":0'
    # The same batch again (JSON lines), then as a JSON array with other spacing: all duplicates,
    # including the alert without an id (its content hash is the key).
    call POST /api/v1/alerts "$sensor_a" "$tmp/batch.jsonl"
    expect 200 '"accepted":0,"duplicates":3'
    python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])], indent=2))' \
      "$tmp/batch.jsonl" >"$tmp/batch.json"
    call POST /api/v1/alerts "$sensor_a" "$tmp/batch.json"
    expect 200 '"accepted":0,"duplicates":3'
    # Another authority may send the same ids: they are its own alerts.
    call POST /api/v1/alerts "$sensor_b" "$tmp/batch.jsonl"
    expect 200 '"accepted":3,"duplicates":0'
    # A duplicate inside one batch counts once.
    { alert a9 high r1; alert a9 high r1; } >"$tmp/dup.jsonl"
    call POST /api/v1/alerts "$sensor_a" "$tmp/dup.jsonl"
    expect 200 '"accepted":1,"duplicates":1'
    call GET /api/v1/alerts/count "$coordinator"
    expect 200 '{"count":7}'
    # Survives a restart.
    stop_hub
    start_hub
    call GET /api/v1/alerts/count "$coordinator"
    expect 200 '{"count":7}'
    ;;

  access_denied)
    setup
    expired=$(token agency-a sensor --expires 1s)
    revoked=$(token agency-a sensor)
    admin token revoke "$revoked" >/dev/null || fail "revoke"
    start_hub
    alert x1 high r1 >"$tmp/one.jsonl"
    call POST /api/v1/alerts "" "$tmp/one.jsonl"
    expect 401
    curl -s -D "$tmp/headers" -o /dev/null -X POST "$url/api/v1/alerts" --data-binary "@$tmp/one.jsonl"
    grep -qi '^WWW-Authenticate: Bearer' "$tmp/headers" || fail "401 without WWW-Authenticate"
    call POST /api/v1/alerts "rsd_0000000000000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "$tmp/one.jsonl"
    expect 401
    call POST /api/v1/alerts "${sensor_a%?}x" "$tmp/one.jsonl"   # right id, wrong secret
    expect 401
    call POST /api/v1/alerts "$revoked" "$tmp/one.jsonl"
    expect 401
    sleep 1.1
    call POST /api/v1/alerts "$expired" "$tmp/one.jsonl"
    expect 401
    curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Basic $sensor_a" \
      --data-binary "@$tmp/one.jsonl" "$url/api/v1/alerts" | grep -qx 401 || fail "non-bearer scheme accepted"
    # Wrong roles: only sensors push; sensors and admins do not read alerts.
    for tok in "$analyst_a" "$coordinator" "$admin_tok"; do
      call POST /api/v1/alerts "$tok" "$tmp/one.jsonl"
      expect 403 'may not use'
    done
    for path in /api/v1/alerts /api/v1/alerts/count; do
      for tok in "$sensor_a" "$admin_tok"; do
        call GET "$path" "$tok"
        expect 403
      done
    done
    for tok in "$sensor_a" "$analyst_a" "$coordinator"; do
      call GET /api/v1/audit "$tok"
      expect 403
    done
    call GET /api/v1/alerts/count "$coordinator"
    expect 200 '{"count":0}'   # nothing got in through any denied request
    grep -q 'event=auth_denied' "$tmp/hub.log" || fail "denials are not logged"
    ;;

  malformed_bodies)
    setup
    start_hub
    { alert m1 high r1; echo '{"rule_id": "r", "level": '; alert m3 high r1; } >"$tmp/syntax.jsonl"
    call POST /api/v1/alerts "$sensor_a" "$tmp/syntax.jsonl"
    expect 400 '"item":2'
    expect 400 '"line":2'
    { alert m1 high r1; alert m2 severe r1; } >"$tmp/level.jsonl"
    call POST /api/v1/alerts "$sensor_a" "$tmp/level.jsonl"
    expect 422 '"field":"level"'
    expect 422 '"item":2'
    { alert m1 high r1; echo '{"rule_id":"r","rule_title":"t","level":"low","timestamp":"yesterday"}'; } >"$tmp/ts.jsonl"
    call POST /api/v1/alerts "$sensor_a" "$tmp/ts.jsonl"
    expect 422 '"field":"timestamp"'
    echo '[{"rule_title":"t","level":"low"}]' >"$tmp/missing.json"
    call POST /api/v1/alerts "$sensor_a" "$tmp/missing.json"
    expect 422 '"field":"rule_id"'
    echo '[1, 2' >"$tmp/broken.json"
    call POST /api/v1/alerts "$sensor_a" "$tmp/broken.json"
    expect 400 'JSON syntax error'
    echo '["not an object"]' >"$tmp/scalar.json"
    call POST /api/v1/alerts "$sensor_a" "$tmp/scalar.json"
    expect 422 '"item":1'
    { alert m1 high r1; echo '{"rule_id":"r","rule_title":"t","level":"low","tlp":"purple"}'; } >"$tmp/tlp.jsonl"
    call POST /api/v1/alerts "$sensor_a" "$tmp/tlp.jsonl"
    expect 422 '"field":"tlp"'
    # Too many items (10,001 tiny alerts) and too many bytes (33 MiB).
    python3 -c 'import sys
for i in range(10001): print("{\"rule_id\":\"r\",\"rule_title\":\"t\",\"level\":\"low\",\"id\":\"%d\"}" % i)' >"$tmp/many.jsonl"
    call POST /api/v1/alerts "$sensor_a" "$tmp/many.jsonl"
    expect 413 'more than 10000'
    head -c $((33 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$tmp/huge"
    call POST /api/v1/alerts "$sensor_a" "$tmp/huge"
    expect 413 'larger than'
    # Nothing of any rejected batch was stored (m1 came first in several of them).
    call GET /api/v1/alerts/count "$coordinator"
    expect 200 '{"count":0}'
    # And a good batch still goes through.
    alert m1 high r1 >"$tmp/good.jsonl"
    call POST /api/v1/alerts "$sensor_a" "$tmp/good.jsonl"
    expect 200 '"accepted":1'
    ;;

  reads_scoped)
    setup
    start_hub
    { alert a1 high r1 attack.t1 2026-03-01T10:00:00Z; alert a2 low r2 attack.t2 2026-03-02T10:00:00Z;
      alert a3 high r2 attack.t1 2026-03-03T10:00:00Z; } >"$tmp/a.jsonl"
    { alert b1 high r1 attack.t1 2026-03-01T12:00:00Z; alert b2 critical r3 attack.t3 2026-03-04T10:00:00Z; } >"$tmp/b.jsonl"
    call POST /api/v1/alerts "$sensor_a" "$tmp/a.jsonl"; expect 200 '"accepted":3'
    call POST /api/v1/alerts "$sensor_b" "$tmp/b.jsonl"; expect 200 '"accepted":2'
    # Analysts: own authority only, on every read endpoint, whatever they ask for.
    call GET /api/v1/alerts/count "$analyst_a"; expect 200 '{"count":3}'
    call GET /api/v1/alerts/count "$analyst_b"; expect 200 '{"count":2}'
    call GET "/api/v1/alerts?limit=1000" "$analyst_a"; expect 200
    ids=$(json_field "$body" '["items"]' | python3 -c 'import ast,sys; print(" ".join(sorted(i["id"] for i in ast.literal_eval(sys.stdin.read()))))')
    [ "$ids" = "a1 a2 a3" ] || fail "analyst A saw: $ids"
    call GET "/api/v1/alerts?authority=bank-b" "$analyst_a"; expect 403
    call GET "/api/v1/alerts/count?authority=bank-b" "$analyst_a"; expect 403
    call GET "/api/v1/alerts?authority=agency-a" "$analyst_b"; expect 403
    call GET "/api/v1/authorities" "$analyst_a"; expect 200 '"agency-a"'
    case $body in *bank-b*) fail "analyst A listed bank-b" ;; esac
    # Coordinator: everything, with filters.
    call GET /api/v1/alerts/count "$coordinator"; expect 200 '{"count":5}'
    call GET "/api/v1/alerts/count?authority=bank-b" "$coordinator"; expect 200 '{"count":2}'
    call GET "/api/v1/alerts/count?level=high" "$coordinator"; expect 200 '{"count":3}'
    call GET "/api/v1/alerts/count?level=low,critical" "$coordinator"; expect 200 '{"count":2}'
    call GET "/api/v1/alerts/count?rule=r2" "$coordinator"; expect 200 '{"count":2}'
    call GET "/api/v1/alerts/count?tag=attack.t1" "$coordinator"; expect 200 '{"count":3}'
    call GET "/api/v1/alerts/count?from=2026-03-02T00:00:00Z&to=2026-03-04T00:00:00Z" "$coordinator"
    expect 200 '{"count":2}'
    call GET "/api/v1/alerts/count?level=high&authority=agency-a" "$analyst_a"; expect 200 '{"count":2}'
    call GET "/api/v1/alerts/count?from=yesterday" "$coordinator"; expect 400
    call GET "/api/v1/alerts?limit=0" "$coordinator"; expect 400
    call GET "/api/v1/alerts?cursor=abc" "$coordinator"; expect 400
    call GET "/api/v1/alerts/count?authority=nobody" "$coordinator"; expect 400
    # Pagination: limit=1 walk returns every alert once, and `next` is absent on the last page.
    cursor=; seen=
    for i in $(seq 1 10); do
      call GET "/api/v1/alerts?limit=1${cursor:+&cursor=$cursor}" "$coordinator"; expect 200
      seen="$seen $(json_field "$body" '["items"][0]["id"]')"
      cursor=$(json_field "$body" '.get("next", "")')
      [ -z "$cursor" ] && break
    done
    [ "$seen" = " a1 a2 a3 b1 b2" ] || fail "limit=1 walk gave:$seen"
    # An analyst's cursor from the coordinator's walk still shows only their own alerts.
    call GET "/api/v1/alerts?cursor=0&limit=1000" "$analyst_b"; expect 200
    case $body in *'"a1"'*|*'"a2"'*|*'"a3"'*) fail "analyst B saw agency-a's alerts" ;; esac
    # Cross-authority reads and writes are in the audit log, readable by the admin.
    call GET "/api/v1/audit?limit=1000" "$admin_tok"; expect 200 '"alerts.ingest"'
    expect 200 '"alerts.read"'
    expect 200 '"token.create"'
    ;;

  tls)
    setup
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 1 \
      -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null || fail "openssl"
    scheme=https; curl_tls="--cacert $tmp/cert.pem"
    start_hub --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem"
    alert t1 high r1 >"$tmp/one.jsonl"
    call POST /api/v1/alerts "$sensor_a" "$tmp/one.jsonl"
    expect 200 '"accepted":1'
    # hunt --forward over TLS, trusting the test's certificate.
    "$rasid" hunt demo/logs --rules demo/rules -q --forward "https://127.0.0.1:$port" --forward-ca "$tmp/cert.pem" \
      --token "$sensor_b" >/dev/null 2>"$tmp/forward.err" || fail "forward over TLS: $(cat "$tmp/forward.err")"
    grep -q ' 0 failed' "$tmp/forward.err" || fail "forward over TLS: $(cat "$tmp/forward.err")"
    "$rasid" hunt demo/logs --rules demo/rules -q --forward "https://127.0.0.1:$port" --token "$sensor_b" \
      >/dev/null 2>"$tmp/forward.err" && fail "forward trusted an unknown certificate"
    grep -q 'certificate does not verify' "$tmp/forward.err" || fail "message: $(cat "$tmp/forward.err")"
    # Without trusting the certificate the client refuses; plain HTTP gets no answer.
    curl -s -o /dev/null "https://127.0.0.1:$port/healthz" && fail "untrusted certificate accepted"
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/healthz")
    [ "$code" = 200 ] && fail "plain HTTP answered on the TLS port"
    # A key that does not load is refused at start.
    echo "not a key" >"$tmp/bad.pem"
    "$rasid" serve --data "$data" --listen 127.0.0.1:$(free_port) --tls-cert "$tmp/cert.pem" --tls-key "$tmp/bad.pem" \
      >"$tmp/out" 2>&1 && fail "a bad key was accepted"
    grep -q 'cannot load TLS' "$tmp/out" || fail "no message for a bad key: $(cat "$tmp/out")"
    ;;

  plain_http_refused)
    setup
    for listen in 0.0.0.0 192.0.2.1 "[::]"; do
      "$rasid" serve --data "$data" --listen "$listen:$(free_port)" --insecure-http >"$tmp/out" 2>&1
      [ $? = 2 ] || fail "plain HTTP on $listen not refused with status 2"
      grep -q 'plain HTTP refused on non-loopback' "$tmp/out" || fail "message: $(cat "$tmp/out")"
    done
    "$rasid" serve --data "$data" --listen "127.0.0.1:$(free_port)" >"$tmp/out" 2>&1
    [ $? = 2 ] || fail "neither TLS nor --insecure-http: not refused"
    grep -q 'plain HTTP refused' "$tmp/out" || fail "message: $(cat "$tmp/out")"
    ;;

  graceful_shutdown)
    setup
    start_hub
    python3 "$here/hub_client.py" graceful "$url" "$sensor_a" "$hub_pid" 2000 || fail "in-flight request lost at SIGTERM"
    wait "$hub_pid"; status=$?; hub_pid=
    [ $status = 0 ] || fail "exit status $status after SIGTERM"
    grep -q 'event=stopped' "$tmp/hub.log" || fail "no stop in the log"
    start_hub
    call GET /api/v1/alerts/count "$coordinator"
    expect 200 '{"count":2000}'
    ;;

  kill9_durability)
    setup
    start_hub
    batches=100 size=1000
    : >"$tmp/acks"
    python3 "$here/hub_client.py" load "$url" "$sensor_a" "$tmp/acks" $batches $size &
    client=$!
    # Kill the hub with SIGKILL once 30 batches are acknowledged, while the client keeps sending.
    for i in $(seq 1 600); do
      [ "$(wc -l <"$tmp/acks")" -ge 30 ] && break
      kill -0 $client 2>/dev/null || break
      sleep 0.05
    done
    kill -9 "$hub_pid"; wait "$hub_pid" 2>/dev/null; hub_pid=
    wait $client || fail "load client failed"
    acked=$(wc -l <"$tmp/acks")
    [ "$acked" -ge 30 ] || fail "only $acked batches acknowledged before the kill"
    [ "$acked" -lt $batches ] || fail "the kill came after the last batch: the test proves nothing"
    start_hub
    python3 "$here/hub_client.py" verify "$url" "$coordinator" "$tmp/acks" $batches $size || fail "acknowledged alerts lost"
    # The sensor sends everything again: duplicates are recognized, the total is exact.
    : >"$tmp/acks2"
    python3 "$here/hub_client.py" load "$url" "$sensor_a" "$tmp/acks2" $batches $size || fail "resend"
    call GET /api/v1/alerts/count "$coordinator"
    expect 200 "{\"count\":$((batches * size))}"
    echo "acknowledged before kill -9: $acked batches of $size; all present after restart"
    ;;

  hunt_forward)
    setup
    port=$(free_port); url=http://127.0.0.1:$port
    # The hub starts a second after the hunt: the first batch is retried until it answers.
    "$rasid" hunt demo/logs --rules demo/rules --format jsonl -q --forward "$url" --token "$sensor_a" \
      >"$tmp/alerts.jsonl" 2>"$tmp/forward.err" &
    hunt=$!
    sleep 1
    "$rasid" serve --data "$data" --listen "127.0.0.1:$port" --insecure-http >>"$tmp/hub.log" 2>&1 &
    hub_pid=$!
    wait $hunt || fail "hunt --forward failed: $(cat "$tmp/forward.err")"
    n=$(wc -l <"$tmp/alerts.jsonl")
    [ "$n" -gt 0 ] || fail "the hunt wrote no alerts"
    grep -q "forwarded $n alerts to $url: $n acknowledged ($n new, 0 duplicates), 0 failed" "$tmp/forward.err" \
      || fail "report: $(cat "$tmp/forward.err")"
    grep -Eq ', [1-9][0-9]* retries' "$tmp/forward.err" || fail "no retry while the hub was down: $(cat "$tmp/forward.err")"
    call GET /api/v1/alerts/count "$analyst_a"; expect 200 "{\"count\":$n}"
    # Again, token from the environment: all duplicates (content hashes), nothing new.
    RASID_TOKEN=$sensor_a "$rasid" hunt demo/logs --rules demo/rules -q --forward "$url/" >/dev/null 2>"$tmp/forward.err" \
      || fail "second forward"
    grep -q "$n acknowledged (0 new, $n duplicates)" "$tmp/forward.err" || fail "resend: $(cat "$tmp/forward.err")"
    # A rejected token is not retried and fails the command.
    "$rasid" hunt demo/logs --rules demo/rules -q --forward "$url" --token "${sensor_a%?}x" >/dev/null 2>"$tmp/forward.err"
    [ $? = 2 ] || fail "a bad token did not fail the hunt"
    grep -q 'rejected the batch (401)' "$tmp/forward.err" || fail "message: $(cat "$tmp/forward.err")"
    # Plain http to a remote hub is refused before anything is sent.
    "$rasid" hunt demo/logs --rules demo/rules -q --forward http://192.0.2.1:8443 --token "$sensor_a" >/dev/null 2>"$tmp/forward.err"
    [ $? = 2 ] || fail "plain http to a remote hub accepted"
    call GET /api/v1/alerts/count "$coordinator"; expect 200 "{\"count\":$n}"
    ;;

  health_metrics)
    setup
    start_hub
    call GET /healthz ""
    expect 200 '"status":"ok"'
    alert h1 high r1 >"$tmp/one.jsonl"
    call POST /api/v1/alerts "$sensor_a" "$tmp/one.jsonl"; expect 200
    call POST /api/v1/alerts "$sensor_a" "$tmp/one.jsonl"; expect 200
    call POST /api/v1/alerts "" "$tmp/one.jsonl"; expect 401
    call GET /metrics ""
    expect 200 'rasid_alerts_ingested_total 1'
    expect 200 'rasid_alerts_duplicate_total 1'
    expect 200 'rasid_http_requests_total{route="/api/v1/alerts",code="200"} 2'
    expect 200 'rasid_http_requests_total{route="/api/v1/alerts",code="401"} 1'
    expect 200 'rasid_http_request_duration_seconds_count{route="/api/v1/alerts"} 3'
    expect 200 'rasid_store_errors_total 0'
    call GET /nowhere ""
    expect 404 '"error"'
    grep -q 'event=request method=POST route=/api/v1/alerts status=200' "$tmp/hub.log" || fail "no request log line"
    ;;

  *) fail "unknown case $case_name" ;;
esac
echo "ok: $case_name"
