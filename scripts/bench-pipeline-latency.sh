#!/usr/bin/env bash
# Benchmark (not a test): how long a frame takes from the graph's source to the RTP sink, in the
# streamer's graph (appsrc, frames pushed by the JVM) and in gst-launch-1.0 with the same elements
# (videotestsrc), side by side in one run, measured by GStreamer's own latency tracer
# (GST_TRACERS=latency: src pad push → udpsink, per buffer). 1280x720@30, x264 veryfast zerolatency
# 4000 kbit/s + RTP, FRAMES (default 600) frames, the first 30 left out (encoder warm-up).
# Writes target/bench/pipeline-latency.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/cvmmap-streamer.jar ] || mvn -B -q -ntp package -DskipTests
out=target/bench
mkdir -p "$out"
res="$out/pipeline-latency.txt"
: >"$res"
frames=${FRAMES:-600}
say() { echo "$*" | tee -a "$res"; }
# latency tracer lines to the given sink element → "p50_ms=… p99_ms=… max_ms=… samples=…"
stats() {
  grep "latency, src-element-id" | grep "sink-element=(string)$1," | sed -n 's/.*time=(guint64)\([0-9]*\).*/\1/p' \
    | tail -n +31 | sort -n | awk '{a[NR]=$1} END {if (NR == 0) {print "samples=0"; exit}
      printf "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f samples=%d\n", a[int(NR*0.50)]/1e6, a[int(NR*0.99)]/1e6, a[NR]/1e6, NR}'
}
tracer=(env GST_TRACERS="latency(flags=pipeline)" GST_DEBUG="GST_TRACER:7" GST_DEBUG_NO_COLOR=1)
say "# bench-pipeline-latency $(date -u +%FT%TZ) on $(nproc) cores, GStreamer $(gst-launch-1.0 --version | awk 'NR==1{print $NF}'), $frames frames 1280x720@30"
s=$("${tracer[@]}" bin/cvmmap-streamer --input-mode dummy --dummy-label "bpl-$$" --dummy-frames "$frames" --codec h264 --rtp \
      --rtp-endpoint 127.0.0.1:9 --no-nats --status-interval-ms 0 2>&1 | stats rtpsink)
g=$("${tracer[@]}" gst-launch-1.0 -q videotestsrc is-live=true num-buffers="$frames" \
      ! video/x-raw,format=BGR,width=1280,height=720,framerate=30/1 ! videoconvert ! video/x-raw,format=I420 \
      ! x264enc speed-preset=veryfast tune=zerolatency key-int-max=30 bframes=0 bitrate=4000 \
      ! h264parse config-interval=-1 ! rtph264pay config-interval=0 mtu=1400 \
      ! udpsink name=rtpsink host=127.0.0.1 port=9 sync=false async=false 2>&1 | stats rtpsink)
rm -f "/dev/shm/cvmmap_bpl-$$" "/tmp/cvmmap_bpl-$$"
printf '%-44s %s\n' "streamer: appsrc → udpsink" "$s" | tee -a "$res"
printf '%-44s %s\n' "gst-launch-1.0: videotestsrc → udpsink" "$g" | tee -a "$res"
sp=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$s"); gp=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$g")
printf '%-44s %s\n' "p99 difference streamer − gst-launch (ms)" "$(awk -v s="$sp" -v g="$gp" 'BEGIN{printf "%.2f", s-g}')" | tee -a "$res"
say "results: $res"
