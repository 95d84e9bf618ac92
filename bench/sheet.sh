#!/usr/bin/env bash
# Sheet benchmark: N distinct declarations (JSONL) → Avery 5160 sheets, release build.
# Reports wall time, CPU time (user + system), peak RSS (GNU time, `apt-get install
# time`) and bytes per label. CPU time is the steadier number on a shared machine: other
# work on the cores stretches the wall time far more than the CPU time.
#
#   bench/sheet.sh                 # N = 1000 10000 100000
#   bench/sheet.sh 1000 5000       # other sizes
#   RUNS=3 bench/sheet.sh 10000    # each size three times (one table row per run)
#
# Jobs of more than 20,000 labels are split with --pages-per-file 100 (3,000 labels per
# file): the PDF writer keeps a document's pages in memory until it is finished, so
# splitting is what keeps memory flat as the job grows.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000 10000 100000)
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/iotlabel"
runs=${RUNS:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf '| labels | files | wall time (s) | CPU time (s) | peak RSS (MB) | output (MB) | bytes/label |\n|---:|---:|---:|---:|---:|---:|---:|\n'
for n in "${sizes[@]}"; do
 for _ in $(seq "$runs"); do
  python3 bench/gen_batch.py "$n" "$work/batch-$n.jsonl"
  split=()
  [ "$n" -gt 20000 ] && split=(--pages-per-file 100)
  out="$work/out-$n"
  rm -rf "$out"; mkdir -p "$out"
  /usr/bin/time -v "$bin" sheet "$work/batch-$n.jsonl" --stock avery-5160 \
      --key samples/keys/demo.pem -o "$out/sheets.pdf" "${split[@]}" 2> "$work/time-$n.txt" >/dev/null \
    || { cat "$work/time-$n.txt" >&2; exit 1; }
  wall=$(grep 'Elapsed (wall clock)' "$work/time-$n.txt" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  cpu=$(awk -F': ' '/User time|System time/ { t += $2 } END { print t }' "$work/time-$n.txt")
  rss=$(grep 'Maximum resident set size' "$work/time-$n.txt" | awk '{print $NF}')
  bytes=$(cat "$out"/*.pdf | wc -c)
  files=$(ls "$out"/*.pdf | wc -l)
  printf '| %d | %d | %.2f | %.2f | %.0f | %.1f | %.0f |\n' "$n" "$files" "$wall" "$cpu" "$((rss / 1024))" "$(echo "$bytes / 1048576" | bc -l)" "$(echo "$bytes / $n" | bc -l)"
done
 done
