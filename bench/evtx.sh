#!/bin/sh
# bench/evtx.sh: EVTX decoding speed of issue 3, rasid beside Debian's evtxexport (libevtx-utils)
# and python3-evtx's evtx_dump.py, measured in one run on the same files.
#
# Builds rasid and bench/evtx_decode (Release, in build-bench/), builds the data once from the
# largest shared samples (bench/gen/make_big_evtx.py: their chunks, byte for byte, repeated
# into one valid file of >= 200 MB, plus one copy of them as a small file), then measures:
#   rasid decode only (evtx_decode: what rasid hunt does before matching), 1 thread and all
#   rasid convert -o /dev/null (decode + JSON lines written), 1 thread and all
#   evtxexport -f xml > /dev/null (one thread: libevtx has no threads)
#   evtx_dump.py > /dev/null, on the small file (at its speed, 200 MB takes most of an hour;
#     BENCH_PYTHON_BIG=1 runs it on the big file too); rasid is measured on that file too so
#     the ratio compares the same bytes
# Prints one Markdown table; bench/README.md explains every number.
#
# Environment:
#   BENCH_EVTX_BYTES=200000000  minimum size of the big file
#   BENCH_REPEAT=3     runs of each rasid measurement, the fastest kept (evtxexport, python: 1)
#   BENCH_BUILD=build-bench   build folder
#   SHARED=../shared   the shared data folder
set -eu
cd "$(dirname "$0")/.."
build=${BENCH_BUILD:-build-bench}
min_bytes=${BENCH_EVTX_BYTES:-200000000}
repeat=${BENCH_REPEAT:-3}
shared=${SHARED:-../shared}
samples=$shared/data/samples/evtx/deepbluecli
cores=$(nproc)

for tool in python3 evtxexport evtx_dump.py; do
  command -v "$tool" >/dev/null || { echo "evtx.sh: $tool is missing (run scripts/setup)" >&2; exit 2; }
done

echo "== building ($build, Release)" >&2
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRASID_BUILD_BENCH=ON \
  -DRASID_BUILD_TESTS=OFF -DRASID_BUILD_FUZZ=OFF >/dev/null
cmake --build "$build" --target rasid evtx_decode >&2
rasid=$build/rasid
decode=$build/bench/evtx_decode

# The three largest samples, whose chunks are all written (the other large ones are mostly
# preallocated empty chunks): 103 chunks, 6,079 records.
inputs="$samples/Powershell-Invoke-Obfuscation-many.evtx $samples/smb-password-guessing-security.evtx $samples/many-events-application.evtx"
data_dir=$build/bench-data
mkdir -p "$data_dir"
small=$data_dir/evtx-samples-x1.evtx
big=$data_dir/evtx-samples-$min_bytes.evtx
[ -s "$small" ] || python3 bench/gen/make_big_evtx.py "$small" 1 $inputs >&2
[ -s "$big" ] || python3 bench/gen/make_big_evtx.py "$big" "$min_bytes" $inputs >&2
cat "$small" "$big" >/dev/null  # page cache

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
# seconds CMD...: wall time of one run, output discarded
seconds() {
  t0=$(now)
  "$@" >/dev/null 2>"$tmp/err" || { echo "evtx.sh: failed: $*" >&2; cat "$tmp/err" >&2; exit 1; }
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
best_of() {  # best_of N CMD...
  n=$1
  shift
  best=
  i=0
  while [ $i -lt "$n" ]; do
    s=$(seconds "$@")
    best=$(awk -v a="$s" -v b="$best" 'BEGIN { print (b == "" || a < b) ? a : b }')
    i=$((i + 1))
  done
  echo "$best"
}

# Record counts: every tool must see the same records, or the speeds mean nothing.
small_size=$(stat -c %s "$small")
big_size=$(stat -c %s "$big")
rasid_small_records=$("$decode" "$small" | awk '{ print $4 }')
rasid_big_records=$("$decode" "$big" | awk '{ print $4 }')
ee_small_records=$(evtxexport -f xml "$small" 2>/dev/null | grep -c '^<Event xmlns' || true)
py_small_records=$(evtx_dump.py "$small" 2>/dev/null | grep -c '^<Event xmlns' || true)
copies=$((rasid_big_records / rasid_small_records))
echo "== records: rasid $rasid_small_records (small) $rasid_big_records (big), evtxexport $ee_small_records, python3-evtx $py_small_records (small)" >&2

load=$(cut -d' ' -f1 /proc/loadavg)
echo "== rasid" >&2
d1_big=$(best_of "$repeat" "$decode" --threads 1 "$big")
dn_big=$(best_of "$repeat" "$decode" --threads "$cores" "$big")
c1_big=$(best_of "$repeat" "$rasid" convert -q --threads 1 "$big" -o /dev/null)
cn_big=$(best_of "$repeat" "$rasid" convert -q --threads "$cores" "$big" -o /dev/null)
d1_small=$(best_of "$repeat" "$decode" --threads 1 "$small")
echo "== evtxexport (big file, one run)" >&2
ee_big=$(seconds evtxexport -f xml "$big")
echo "== python3-evtx (small file, one run)" >&2
py_small=$(seconds evtx_dump.py "$small")
py_big=
if [ "${BENCH_PYTHON_BIG:-0}" = 1 ]; then
  echo "== python3-evtx (big file, one run: long)" >&2
  py_big=$(seconds evtx_dump.py "$big")
fi

row() {  # row NAME FILE_BYTES RECORDS SECONDS [EE_SECONDS_SAME_FILE] [PY_SECONDS_SAME_FILE] [ONE_THREAD_SECONDS]
  awk -v name="$1" -v bytes="$2" -v recs="$3" -v s="$4" -v ee="${5:-}" -v py="${6:-}" -v one="${7:-}" 'BEGIN {
    x_ee = ee == "" ? "" : sprintf("%.1f", ee / s)
    x_py = py == "" ? "" : sprintf("%.0f", py / s)
    x_one = one == "" ? "" : sprintf("%.2f", one / s)
    printf "| %s | %.1f | %.0f | %.3f | %s | %s | %s |\n", name, bytes / s / 1e6, recs / s, s, x_ee, x_py, x_one
  }'
}

big_mb=$(awk -v b="$big_size" 'BEGIN { printf "%.1f", b / 1e6 }')
small_mb=$(awk -v b="$small_size" 'BEGIN { printf "%.1f", b / 1e6 }')
echo
echo "EVTX decoding, $(date -u +%Y-%m-%dT%H:%MZ), $cores cores, load avg at start $load"
echo "big file: $big_mb MB, $rasid_big_records records ($copies copies of the chunks of 3 samples); small file: $small_mb MB, $rasid_small_records records"
echo
echo "| what (one run each, rasid best of $repeat) | MB/s | records/s | seconds | x evtxexport | x python3-evtx | x 1 thread |"
echo "|---|---|---|---|---|---|---|"
row "evtxexport -f xml, big file" "$big_size" "$((ee_small_records * copies))" "$ee_big"
[ -n "$py_big" ] && row "python3-evtx evtx_dump.py, big file" "$big_size" "$((py_small_records * copies))" "$py_big"
row "python3-evtx evtx_dump.py, small file" "$small_size" "$py_small_records" "$py_small"
row "rasid decode, 1 thread, big file" "$big_size" "$rasid_big_records" "$d1_big" "$ee_big" "$py_big"
row "rasid decode, $cores threads, big file" "$big_size" "$rasid_big_records" "$dn_big" "$ee_big" "$py_big" "$d1_big"
row "rasid convert -o /dev/null, 1 thread, big file" "$big_size" "$rasid_big_records" "$c1_big" "$ee_big" "$py_big"
row "rasid convert -o /dev/null, $cores threads, big file" "$big_size" "$rasid_big_records" "$cn_big" "$ee_big" "$py_big" "$c1_big"
row "rasid decode, 1 thread, small file" "$small_size" "$rasid_small_records" "$d1_small" "" "$py_small"
