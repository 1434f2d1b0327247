#!/bin/sh
# bench/intel.sh: indicators at national scale (issue 5), measured in one run:
#   1. load time and indicators/s of a plain list of BENCH_INDICATORS indicators (bench/intel_load:
#      load_indicators + build), resident and peak bytes per indicator (RSS delta / count);
#      cross-checked with `rasid intel check` under /usr/bin/time (peak RSS minus an empty feed's)
#   2. rasid hunt throughput on the performance benchmark's events (bench/hunt.sh's generator,
#      same seed) with the SigmaHQ Windows rules, without and with --intel of those indicators,
#      at 1 and 2 threads, and the with/without ratio (issue 5's bar: >= 0.8), by scan wall time
#      and by scan CPU time (process CPU minus the CPU of loading the rules alone and, with
#      indicators, of loading the feed alone: robust when other work shares the cores)
# Prints one Markdown table (bench/README.md, "Indicators", explains every number).
#
# Usage: bench/intel.sh
# Environment:
#   BENCH_INDICATORS=10000000   indicators generated (mix: see bench/gen/gen_intel_indicators.cc)
#   BENCH_BYTES=200M            size of the generated event file (K, M, G suffixes)
#   BENCH_SEED=1                seed of both generators
#   BENCH_REPEAT=3              runs of each measurement; the fastest is reported (shared machines)
#   BENCH_BUILD=build-bench-intel   build folder; BENCH_BUILD_TYPE=Release its build type
#   SHARED=../shared            the shared data folder (SigmaHQ rules, sample events)
set -eu
cd "$(dirname "$0")/.."
build=${BENCH_BUILD:-build-bench-intel}
build_type=${BENCH_BUILD_TYPE:-Release}
count=${BENCH_INDICATORS:-10000000}
bytes=${BENCH_BYTES:-200M}
seed=${BENCH_SEED:-1}
repeat=${BENCH_REPEAT:-3}
shared=${SHARED:-../shared}
rules_windows=$shared/data/sigma/rules/windows
samples=$shared/data/samples/jsonl

for tool in /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "intel.sh: $tool is missing (run scripts/setup)" >&2; exit 2; }
done

echo "== building ($build, $build_type)" >&2
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" -DRASID_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target rasid gen_windows_events gen_intel_indicators intel_load >&2
rasid=$build/rasid

data_dir=$build/bench-data
mkdir -p "$data_dir"
feed=$data_dir/indicators-seed$seed-$count.txt
events=$data_dir/windows-events-seed$seed-$bytes.jsonl
if [ ! -s "$feed" ]; then
  echo "== generating $feed" >&2
  "$build/bench/gen_intel_indicators" --count "$count" --seed "$seed" -o "$feed.tmp"
  mv "$feed.tmp" "$feed"
fi
if [ ! -s "$events" ]; then
  echo "== generating $events" >&2
  "$build/bench/gen_windows_events" --samples "$samples" --firing bench/gen/firing_samples.tsv --seed "$seed" \
    --bytes "$bytes" -o "$events.tmp"
  mv "$events.tmp" "$events"
fi
# A few values the events do contain, in a second small feed, so the "with" runs also find and
# write indicator alerts: destination IPs, DNS names and SHA-256 hashes that occur in at most
# one event in 2,000 (10 of each kind at most), so that indicator alerts stay about as rare as
# rule alerts (~0.2% of events) and the comparison measures matching, not alert writing.
planted=$data_dir/planted-seed$seed-$bytes.txt
if [ ! -s "$planted" ]; then
  total=$(wc -l < "$events")
  rare() { sort | uniq -c | awk -v max="$((total / 2000))" '$1 <= max { print $2 }' | head -10; }
  { echo "# values taken from $events"
    grep -o '"DestinationIp":"[^" ]*"' "$events" | sed 's/.*:"\(.*\)"/\1/' | rare
    grep -o '"QueryName":"[^" ]*"' "$events" | sed 's/.*:"\(.*\)"/\1/' | rare
    grep -o 'SHA256=[0-9A-F]*' "$events" | sed 's/.*=//' | rare
  } > "$planted"
fi
cat "$feed" "$events" > /dev/null  # page cache: every run reads from memory
size=$(stat -c %s "$events")
nevents=$(wc -l < "$events")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# 1. Loading, best of $repeat.
best=
for r in $(seq "$repeat"); do
  echo "== intel_load (run $r of $repeat)" >&2
  "$build/bench/intel_load" "$feed" > "$tmp/load_run"
  s=$(sed 's/.*load_s=\([0-9.]*\).*/\1/' "$tmp/load_run")
  if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$s; cp "$tmp/load_run" "$tmp/load"; fi
done
field() { sed "s/.* $1=\([0-9.]*\).*/\1/" "$tmp/load"; }
printf '# empty\n' > "$tmp/empty.txt"
/usr/bin/time -f %M -o "$tmp/rss_empty" "$rasid" intel check -q "$tmp/empty.txt" > /dev/null
/usr/bin/time -f %M -o "$tmp/rss_full" "$rasid" intel check -q "$feed" > "$tmp/check"

# CPU seconds (user + sys) of the fixed costs, least of $repeat runs: loading the feed (as
# hunt --intel does: `rasid intel check` runs the same loader) and loading the rules (a hunt
# over an empty file).
: > "$tmp/empty.jsonl"
cpu() { awk '{ printf "%.3f", $1 + $2 }' "$1"; }
least() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == "" || a < b) print a; else print b }'; }
cpu_feed= cpu_rules=
for r in $(seq "$repeat"); do
  echo "== fixed costs (run $r of $repeat)" >&2
  /usr/bin/time -f "%U %S" -o "$tmp/cpu_run" "$rasid" intel check -q "$feed" "$planted" > /dev/null || true
  cpu_feed=$(least "$(cpu "$tmp/cpu_run")" "$cpu_feed")
  /usr/bin/time -f "%U %S" -o "$tmp/cpu_run" "$rasid" hunt "$tmp/empty.jsonl" --rules "$rules_windows" -q > /dev/null
  cpu_rules=$(least "$(cpu "$tmp/cpu_run")" "$cpu_rules")
done
check_delta=$(awk -v a="$(cat "$tmp/rss_full")" -v b="$(cat "$tmp/rss_empty")" -v n="$count" 'BEGIN { printf "%.1f", (a - b) * 1024 / n }')

summary_seconds() {  # the scan seconds of rasid's summary line "inputs ... 12.34 s ("
  awk '$1 == "inputs" { for (i = 2; i <= NF; ++i) if ($i == "s" || $i ~ /^s[,(]/) { print $(i - 1); exit } }' "$1"
}

# 2. Hunts: without and with the indicators, 1 and 2 threads, best of $repeat each.
#    The two modes alternate run by run, so a change of machine load hits both alike.
for t in 1 2; do
  for r in $(seq "$repeat"); do
    for mode in without with; do
      eval "best=\${best_${mode}:-}"
      echo "== rasid hunt --threads $t, $mode indicators (run $r of $repeat)" >&2
      if [ "$mode" = with ]; then set -- --intel "$feed" --intel "$planted"; else set --; fi
      /usr/bin/time -f "%M %U %S" -o "$tmp/rss_run" "$rasid" hunt "$events" --rules "$rules_windows" "$@" \
        --threads "$t" --format jsonl -o "$tmp/alerts_run" 2> "$tmp/summary_run" || {
        echo "intel.sh: rasid hunt failed:" >&2; cat "$tmp/summary_run" >&2; exit 1; }
      s=$(summary_seconds "$tmp/summary_run")
      c=$(awk -v r="$cpu_rules" -v f="$cpu_feed" -v m="$mode" '{ printf "%.3f", $2 + $3 - r - (m == "with" ? f : 0) }' "$tmp/rss_run")
      eval "c_best=\${cpu_${mode}_$t:-}"
      eval "cpu_${mode}_$t=$(least "$c" "$c_best")"
      if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then
        eval "best_${mode}=\$s"
        cp "$tmp/summary_run" "$tmp/summary_${mode}_$t"
        cp "$tmp/rss_run" "$tmp/rss_${mode}_$t"
        wc -l < "$tmp/alerts_run" > "$tmp/alerts_${mode}_$t"
        grep -c '"indicator":' "$tmp/alerts_run" > "$tmp/intel_${mode}_$t" || true
      fi
    done
  done
  best_without= best_with=
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
echo
echo "rasid $(git describe --always --dirty 2>/dev/null || echo '?'), $build_type, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($model); load average before $load_before, after $load_after"
echo "feed: $feed ($count indicators, $(stat -c %s "$feed") bytes) + $planted ($(grep -vc '^#' "$planted") values found in the events); events: $events ($size bytes, $nevents events)"
echo
echo "| measurement | value |"
echo "|---|---:|"
echo "| load + build, best of $repeat (s) | $(field load_s) |"
echo "| indicators/s | $(field per_s) |"
echo "| resident bytes/indicator (RSS after build - before) | $(field rss_bytes_per) |"
echo "| peak bytes/indicator (peak RSS during load - before) | $(field peak_bytes_per) |"
echo "| index bytes/indicator (IndicatorSet::memory_bytes) | $(field index_bytes_per) |"
echo "| \`rasid intel check\` peak RSS delta over an empty feed, bytes/indicator | $check_delta |"
echo
echo "fixed CPU costs (least of $repeat): loading the feed $cpu_feed s, loading the rules $cpu_rules s"
echo
echo "| rasid hunt, SigmaHQ windows rules | threads | scan s (wall) | MB/s | with / without (wall) | scan CPU s | with / without (CPU) | peak RSS MB | alerts (indicator alerts) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for t in 1 2; do
  without=$(summary_seconds "$tmp/summary_without_$t")
  for mode in without with; do
    s=$(summary_seconds "$tmp/summary_${mode}_$t")
    ratio=$(awk -v a="$without" -v b="$s" 'BEGIN { printf "%.3f", a / b }')
    eval "c=\$cpu_${mode}_$t"
    eval "c0=\$cpu_without_$t"
    printf "| %s indicators | %s | %s | %.1f | %s | %s | %s | %.0f | %s (%s) |\n" "$mode" "$t" "$s" \
      "$(awk -v b="$size" -v s="$s" 'BEGIN { print b / 1e6 / s }')" "$ratio" "$c" \
      "$(awk -v a="$c0" -v b="$c" 'BEGIN { printf "%.3f", a / b }')" \
      "$(awk '{ print $1 / 1024 }' "$tmp/rss_${mode}_$t")" \
      "$(cat "$tmp/alerts_${mode}_$t")" "$(cat "$tmp/intel_${mode}_$t")"
  done
done
