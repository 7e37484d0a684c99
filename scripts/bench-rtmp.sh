#!/usr/bin/env bash
# Benchmark (not a test): time from the streamer's first ingested frame to the first coded video
# frame (tag) arriving at an RTMP server, cold start (JVM, encoder and connection all starting).
# The server is the embedded rtmp-stub-tester in its own process; both processes log wall-clock
# times (ms) on the same machine: event=first_frame (streamer) and event=rtmp_stub_first_frame (server).
# Env: RUNS=5 CODEC=h264|h265 MODE=enhanced|domestic SIZE=1280x720. Results: target/bench/rtmp.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/cvmmap-streamer.jar ] || mvn -B -q -ntp package -DskipTests
out=target/bench
mkdir -p "$out"
cli=bin/cvmmap-streamer
runs=${RUNS:-5}
codec=${CODEC:-h264}
mode=${MODE:-enhanced}
size=${SIZE:-1280x720}
tmode=h264
[ "$codec" = h265 ] && tmode="h265-$mode"
ms() { # ts=YYYY-MM-DDTHH:MM:SS.mmmZ at the start of the matching log line -> ms since the epoch
  date -d "$(grep -m1 "$2" "$1" | sed -n 's/^ts=\([^ ]*\).*/\1/p')" +%s%3N
}
results=()
for ((i = 1; i <= runs; i++)); do
  port=$((30000 + RANDOM % 20000))
  "$cli" rtmp-stub-tester --mode "$tmode" --listen-port "$port" --video-threshold 30 --timeout-ms 30000 \
    >"$out/rtmp-stub-$i.log" 2>&1 &
  stub=$!
  for _ in $(seq 200); do grep -q rtmp_stub_listening "$out/rtmp-stub-$i.log" && break; sleep 0.05; done
  "$cli" --input-mode dummy --dummy-label "bench-rtmp-$$" --dummy-width "${size%x*}" --dummy-height "${size#*x}" \
    --dummy-frames 90 --codec "$codec" --rtmp --rtmp-mode "$mode" --rtmp-url "rtmp://127.0.0.1:$port/live/bench" \
    --status-interval-ms 0 >"$out/rtmp-streamer-$i.log" 2>&1
  wait "$stub"
  a=$(ms "$out/rtmp-streamer-$i.log" "event=first_frame")
  b=$(ms "$out/rtmp-stub-$i.log" "event=rtmp_stub_first_frame")
  d=$((b - a))
  results+=("$d")
  echo "run $i: first frame -> first video tag at the server: ${d} ms"
done
sorted=$(printf '%s\n' "${results[@]}" | sort -n)
median=$(echo "$sorted" | sed -n "$(((runs + 1) / 2))p")
max=$(echo "$sorted" | tail -1)
line="rtmp first-frame-to-first-tag codec=$codec mode=$mode size=$size runs=$runs median_ms=$median max_ms=$max all_ms=$(echo $sorted | tr ' ' ',')"
echo "$line" | tee "$out/rtmp.txt"
