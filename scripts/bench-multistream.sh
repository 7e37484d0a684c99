#!/usr/bin/env bash
# Benchmark (not a test): N cameras in one streamer process (run --config) against N gst-launch-1.0
# processes doing the same encode on the same pictures, side by side in one run.
#   streamer:   N cv-mmap producers (dummy-producer, each its own process, 1280x720 BGR at 30 fps),
#               one `cvmmap-streamer run --config` with N streams (x264 veryfast zerolatency 4000
#               kbit/s + RTP), CPU of the streamer process over a window after warm-up, its RSS,
#               frames dropped in that window (status counters).
#   gst-launch: N processes `filesrc (frames the streamer ingested) ! rawvideoparse ! clocksync !
#               videoconvert ! x264enc (same properties) ! h264parse ! rtph264pay ! udpsink`, their
#               summed CPU over the same window length and summed RSS.
# Prints the ratios and writes target/bench/multistream.txt. Env: STREAMS=4 WINDOW_S=10 WARMUP_S=25
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/cvmmap-streamer.jar ] || mvn -B -q -ntp package -DskipTests
out=target/bench
mkdir -p "$out"
res="$out/multistream.txt"
: >"$res"
cli=bin/cvmmap-streamer
n=${STREAMS:-4}
window=${WINDOW_S:-10}
warm=${WARMUP_S:-25}
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -f /dev/shm/cvmmap_bench-ms-* /tmp/cvmmap_bench-ms-* "$out/ms-frames.bgr"
}
trap cleanup EXIT
say() { echo "$*" | tee -a "$res"; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime, clock ticks
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)

say "# bench-multistream $(date -u +%FT%TZ) on $(nproc) cores, $(uname -r), GStreamer $(gst-launch-1.0 --version | awk 'NR==1{print $NF}'), $n streams 1280x720@30 x264 veryfast zerolatency 4000 kbit/s + RTP"

# the pictures gst-launch encodes: what the streamer ingests from the built-in producer
frames=$(( (window + 7) * 30 ))
sed "s#@CAPTURE_PATH@#$out/ms-frames.bgr#" scripts/bench/capture.pipeline >"$out/ms-capture.pipeline"
"$cli" dummy-producer --label bench-ms-cap --width 1280 --height 720 --fps 120 2>/dev/null &
pp=$!; pids+=("$pp")
"$cli" --input-uri bench-ms-cap --codec h264 --pipeline "$out/ms-capture.pipeline" --queue-size 64 \
  --ingest-max-frames "$frames" --status-interval-ms 0 --no-nats 2>/dev/null
kill "$pp"; wait "$pp" 2>/dev/null || true

gst-launch-1.0 -q udpsrc port=5998 ! fakesink sync=false &
pids+=("$!")

# ---- the streamer: N streams in one process -----------------------------------------------------
{
  echo "defaults: {codec: h264, rtp: true, rtp-endpoint: '127.0.0.1:5998', status-interval-ms: 0}"
  echo "no-nats: true"
  echo "streams:"
  for ((i = 1; i <= n; i++)); do echo "  cam$i: {input-uri: bench-ms-$i}"; done
} >"$out/ms-streams.yaml"
for ((i = 1; i <= n; i++)); do
  "$cli" dummy-producer --label "bench-ms-$i" --width 1280 --height 720 --fps 30 2>/dev/null &
  pids+=("$!")
done
"$cli" run --config "$out/ms-streams.yaml" >"$out/ms-streamer.log" 2>&1 &
sp=$!; pids+=("$sp")
sleep "$warm"
a=$(ticks "$sp")
sleep "$window"
b=$(ticks "$sp"); s_rss=$(rss_kb "$sp")
kill -TERM "$sp"; wait "$sp" 2>/dev/null || true
s_cpu=$(awk -v a="$a" -v b="$b" -v hz="$hz" 'BEGIN{printf "%.2f", (b-a)/hz}')
dropped=$(grep -o "event=exit key=[^ ]* .*dropped=[0-9]*" "$out/ms-streamer.log" | grep -o "dropped=[0-9]*" | cut -d= -f2 | paste -sd+ | bc)
torn=$(grep -o "event=exit key=[^ ]* .*torn=[0-9]*" "$out/ms-streamer.log" | grep -o "torn=[0-9]*" | cut -d= -f2 | paste -sd+ | bc)

# ---- gst-launch-1.0: N processes ---------------------------------------------------------------
gps=()
for ((i = 1; i <= n; i++)); do
  gst-launch-1.0 -q filesrc location="$out/ms-frames.bgr" \
    ! rawvideoparse format=bgr width=1280 height=720 framerate=30/1 ! clocksync \
    ! videoconvert ! video/x-raw,format=I420 \
    ! x264enc speed-preset=veryfast tune=zerolatency key-int-max=30 bframes=0 bitrate=4000 \
    ! h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au \
    ! rtph264pay config-interval=0 mtu=1400 ! udpsink host=127.0.0.1 port=5998 sync=false async=false &
  gps+=("$!"); pids+=("$!")
done
sleep 5
ga=0; for p in "${gps[@]}"; do ga=$((ga + $(ticks "$p"))); done
sleep "$window"
gb=0; g_rss=0
for p in "${gps[@]}"; do gb=$((gb + $(ticks "$p"))); g_rss=$((g_rss + $(rss_kb "$p"))); done
for p in "${gps[@]}"; do kill "$p" 2>/dev/null || true; done
g_cpu=$(awk -v a="$ga" -v b="$gb" -v hz="$hz" 'BEGIN{printf "%.2f", (b-a)/hz}')

printf '%-48s %s\n' "streamer, 1 process: cpu_s over ${window} s (from ${warm} s)" "$s_cpu" | tee -a "$res"
printf '%-48s %s\n' "gst-launch-1.0, $n processes: cpu_s over ${window} s" "$g_cpu" | tee -a "$res"
printf '%-48s %s\n' "ratio streamer/gst-launch (CPU)" "$(awk -v s="$s_cpu" -v g="$g_cpu" 'BEGIN{printf "%.3f", s/g}')" | tee -a "$res"
printf '%-48s %s\n' "RSS streamer / sum of gst-launch (MB)" "$((s_rss / 1024)) / $((g_rss / 1024)) (ratio $(awk -v s="$s_rss" -v g="$g_rss" 'BEGIN{printf "%.2f", s/g}'))" | tee -a "$res"
printf '%-48s %s\n' "streamer frames dropped / torn, whole run, all streams" "${dropped:-?} / ${torn:-?}" | tee -a "$res"
say "results: $res"
