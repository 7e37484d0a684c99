#!/usr/bin/env bash
# Benchmark (not a test): cv-mmap ingest speed, encode CPU against plain gst-launch-1.0, and
# publish -> RTP-receive latency. Prints results side by side and writes target/bench/results.txt.
#   1. frames/s SHM -> appsrc -> fakesink at 720p and 1080p BGR, with --ingest-verify compare and
#      metadata (producer in its own process, paced faster than the streamer can read; 3 runs,
#      median), beside gst-launch-1.0 pushing the same frame size (videotestsrc, no copy from
#      another process).
#   2. CPU seconds of the streamer vs gst-launch-1.0 doing the same x264 encode + RTP on the same
#      pictures (frames recorded from the built-in producer), 720p30, 10 s windows: the streamer's
#      once while the JIT warms up (5 s in) and 3 times in steady state (from 25 s), gst-launch's
#      in 3 runs; medians compared.
#   3. publish -> RTP-receive latency p50/p99 at 720p30 (bench-latency, one process, one clock).
# Env: WINDOW_S=10 WARMUP_S=25 LAT_SECONDS=20
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/cvmmap-streamer.jar ] || mvn -B -q -ntp package -DskipTests
out=target/bench
mkdir -p "$out"
res="$out/results.txt"
: > "$res"
cli=bin/cvmmap-streamer   # the launcher users run, with its JVM defaults
window="${WINDOW_S:-10}"
warm="${WARMUP_S:-25}"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -f /dev/shm/cvmmap_bench-* /tmp/cvmmap_bench-* "$out/frames.bgr"
}
trap cleanup EXIT
say() { echo "$*" | tee -a "$res"; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime, clock ticks
hz=$(getconf CLK_TCK)
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }   # of 3 values

say "# bench-ingest $(date -u +%FT%TZ) on $(nproc) cores, $(uname -r), GStreamer $(gst-launch-1.0 --version | awk 'NR==1{print $NF}')"

# ---- 1. ingest throughput ------------------------------------------------------------------
say ""
say "## 1. ingest: frames/s into appsrc -> fakesink (BGR)"
printf '%-10s %-9s %-34s %-12s %-18s %s\n' size verify "streamer_pushed_fps (median [min-max])" producer_fps "torn/dropped (med)" gst_launch_fps | tee -a "$res"
# --ingest-verify compare (the default) reads each plane twice (copy, then compare), so its producer
# runs slower: a producer whose period is shorter than that window leaves almost nothing coherent
# (~1.5 ms at 720p, ~2 ms at 1080p here; docs/benchmarks.md). metadata is the single read.
for spec in "1280 720 compare 1500" "1280 720 metadata 3000" "1920 1080 compare 600" "1920 1080 metadata 1800"; do
  set -- $spec; w=$1; h=$2; verify=$3; rate=$4
  fpss=(); torns=(); drops=()
  for run in 1 2 3; do
    label="bench-in-${w}-${verify:0:4}-${run}"
    "$cli" dummy-producer --label "$label" --width "$w" --height "$h" --fps "$rate" 2>/dev/null &
    pp=$!; pids+=("$pp")
    line=$(timeout 120 "$cli" --input-uri "$label" --codec h264 --pipeline scripts/bench/fakesink.pipeline \
        --ingest-verify "$verify" --ingest-max-frames 4000 --status-interval-ms 0 2>&1 | grep "event=exit")
    kill "$pp"; wait "$pp" 2>/dev/null || true
    active=$(sed -E 's/.*active_s=([0-9.]+).*/\1/' <<<"$line")
    pushed=$(sed -E 's/.*frames_pushed=([0-9]+).*/\1/' <<<"$line")
    torns+=("$(sed -E 's/.*torn=([0-9]+).*/\1/' <<<"$line")")
    drops+=("$(sed -E 's/.*dropped=([0-9]+).*/\1/' <<<"$line")")
    fpss+=("$(awk -v n="$pushed" -v s="$active" 'BEGIN{printf "%.0f", n/s}')")
  done
  fps="$(median "${fpss[@]}") [$(printf '%s\n' "${fpss[@]}" | sort -n | head -1)-$(printf '%s\n' "${fpss[@]}" | sort -n | tail -1)]"
  t=$(gst-launch-1.0 videotestsrc pattern=solid-color num-buffers=3000 \
      ! "video/x-raw,format=BGR,width=$w,height=$h,framerate=10000/1" ! fakesink 2>&1 \
      | sed -nE 's/.*Execution ended after ([0-9]+):([0-9]+):([0-9.]+).*/\1 \2 \3/p' | awk '{print $1*3600+$2*60+$3}')
  gfps=$(awk -v s="$t" 'BEGIN{printf "%.0f", 3000/s}')
  printf '%-10s %-9s %-34s %-12s %-18s %s\n' "${w}x${h}" "$verify" "$fps" "$rate" "$(median "${torns[@]}")/$(median "${drops[@]}")" "$gfps" | tee -a "$res"
done

# ---- 2. CPU: streamer vs gst-launch, same x264 + RTP, same pictures ---------------------------
say ""
say "## 2. CPU seconds over ${window} s, 1280x720@30, x264 veryfast zerolatency 4000 kbit/s + RTP"
gst-launch-1.0 -q udpsrc port=5999 ! fakesink sync=false &
sinkpid=$!; pids+=("$sinkpid")
frames=$(( (window + 7) * 30 ))
sed "s#@CAPTURE_PATH@#$out/frames.bgr#" scripts/bench/capture.pipeline > "$out/capture.pipeline"
"$cli" dummy-producer --label bench-cap --width 1280 --height 720 --fps 120 2>/dev/null &
pp=$!; pids+=("$pp")
"$cli" --input-uri bench-cap --codec h264 --pipeline "$out/capture.pipeline" --queue-size 64 \
    --ingest-max-frames "$frames" --status-interval-ms 0 2>/dev/null
kill "$pp"; wait "$pp" 2>/dev/null || true

# The streamer: one window 5 s after start (the JIT is still compiling), then 3 back-to-back
# windows from ${warm} s (steady state); once with --ingest-verify compare (the default), once with
# metadata (the plane read once). gst-launch-1.0: 3 runs, one window each, 5 s after start.
measure_streamer() { # VERIFY -> early_cpu, steady[]
  "$cli" dummy-producer --label bench-cpu --width 1280 --height 720 --fps 30 2>/dev/null &
  pp=$!; pids+=("$pp")
  "$cli" --input-uri bench-cpu --codec h264 --rtp --rtp-endpoint 127.0.0.1:5999 --ingest-verify "$1" \
    --status-interval-ms 0 2>/dev/null &
  sp=$!; pids+=("$sp")
  sleep 5; a=$(ticks "$sp"); sleep "$window"; b=$(ticks "$sp")
  early_cpu=$(awk -v a="$a" -v b="$b" -v hz="$hz" 'BEGIN{printf "%.2f", (b-a)/hz}')
  sleep $(( warm - window - 5 ))
  steady=()
  for i in 1 2 3; do
    a=$(ticks "$sp"); sleep "$window"; b=$(ticks "$sp")
    steady+=("$(awk -v a="$a" -v b="$b" -v hz="$hz" 'BEGIN{printf "%.2f", (b-a)/hz}')")
  done
  kill "$sp" "$pp"; wait "$sp" "$pp" 2>/dev/null || true
}
measure_streamer metadata
meta_cpu=$(median "${steady[@]}")
meta_steady=("${steady[@]}")
measure_streamer compare

gsts=()
for i in 1 2 3; do
  gst-launch-1.0 -q filesrc location="$out/frames.bgr" \
    ! rawvideoparse format=bgr width=1280 height=720 framerate=30/1 ! clocksync \
    ! videoconvert ! video/x-raw,format=I420 \
    ! x264enc speed-preset=veryfast tune=zerolatency key-int-max=30 bframes=0 bitrate=4000 \
    ! h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au \
    ! rtph264pay config-interval=0 mtu=1400 ! udpsink host=127.0.0.1 port=5999 sync=false async=false &
  gp=$!; pids+=("$gp")
  sleep 5; a=$(ticks "$gp"); sleep "$window"; b=$(ticks "$gp")
  kill "$gp"; wait "$gp" 2>/dev/null || true
  gsts+=("$(awk -v a="$a" -v b="$b" -v hz="$hz" 'BEGIN{printf "%.2f", (b-a)/hz}')")
done
streamer_cpu=$(median "${steady[@]}")
gst_cpu=$(median "${gsts[@]}")
ratio=$(awk -v s="$streamer_cpu" -v g="$gst_cpu" 'BEGIN{printf "%.3f", s/g}')
early_ratio=$(awk -v s="$early_cpu" -v g="$gst_cpu" 'BEGIN{printf "%.3f", s/g}')
printf '%-46s %s\n' "streamer cpu_s, 5-$((5 + window)) s (JIT warming up)" "$early_cpu (ratio $early_ratio)" | tee -a "$res"
printf '%-46s %s\n' "streamer cpu_s, from ${warm} s (steady, median)" "$streamer_cpu [${steady[*]}]" | tee -a "$res"
printf '%-46s %s\n' "gst-launch-1.0 cpu_s (median of 3 runs)" "$gst_cpu [${gsts[*]}]" | tee -a "$res"
printf '%-46s %s\n' "ratio streamer/gst-launch (steady, medians)" "$ratio" | tee -a "$res"
printf '%-46s %s\n' "same with --ingest-verify metadata" "$meta_cpu [${meta_steady[*]}] (ratio $(awk -v s="$meta_cpu" -v g="$gst_cpu" 'BEGIN{printf "%.3f", s/g}'))" | tee -a "$res"
kill "$sinkpid" 2>/dev/null || true

# ---- 3. latency ---------------------------------------------------------------------------------
say ""
say "## 3. publish -> RTP receive latency, 1280x720@30 H.264"
"$cli" bench-latency --seconds "${LAT_SECONDS:-20}" 2>/dev/null | tee -a "$res"
say ""
say "results: $res"
