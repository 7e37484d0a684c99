#!/usr/bin/env bash
# Benchmark (not a test): the cuframes packet ring path (gst-plugins/cuframes, docs/specs/cuframes.md §4).
# A publisher process paces packets of varied sizes (GOP 30, keyframes 4x larger) and stamps each
# with CLOCK_MONOTONIC; a reader process polls the way cuframespacketsrc/cuframessrc do (sleep
# CF_READER_POLL_US = 500 µs when nothing is new), checks every payload byte and records the added
# latency (read time - publish time). Goals (issue 4): p99 added latency <= 1 ms, >= 10,000 packets/s.
# Env: RUNS=3. Results: target/bench/cuframes.txt (one key=value line per run).
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -C gst-plugins/cuframes all >/dev/null
bin=target/gst-plugins/bench-packet-ring
out=target/bench
mkdir -p "$out"
runs=${RUNS:-3}
: >"$out/cuframes.txt"
# rate packets/s, count, min and max payload bytes
cases=(
  "1000 20000 1000 60000"    # e.g. 33 cameras at 30 fps, 1..60 kB access units
  "10000 100000 100 60000"   # the throughput goal
  "20000 100000 100 20000"   # twice the goal, smaller packets
)
for c in "${cases[@]}"; do
  for ((i = 1; i <= runs; i++)); do
    # shellcheck disable=SC2086
    line=$("$bin" $c | tr '\n' ' ') || true
    echo "rate/count/sizes=${c// /,} run=$i $line" | tee -a "$out/cuframes.txt"
  done
done
awk '{for (i = 1; i <= NF; i++) if ($i ~ /^p99=/) { split($i, a, "="); if (a[2] > m) m = a[2] } } END { printf "worst p99 added latency: %.1f us\n", m }' "$out/cuframes.txt"
