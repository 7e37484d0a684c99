#!/usr/bin/env bash
# Benchmark (not a test) of the multi-camera dataset tools, side by side with gst-launch-1.0 in one run:
#   record   a rig of 4 genlocked built-in producers (each its own process, 1280x720 BGR at 30 fps) recorded
#            RECORD_S seconds by record-bundle (x264 veryfast zerolatency): CPU of the recording process
#            (user+sys over the recording) and the disk rate of its one-camera recordings; then the same rig
#            with a DEPTH plane (--depth) for DEPTH_S seconds: CPU, depth images kept, disk rate, zstd size;
#   convert  the bundled MCAP's 4 cameras remuxed to MP4 (convert): media seconds per wall second,
#            against gst-launch-1.0 remuxing the same 4 MP4s (filesrc ! qtdemux ! h264parse ! mp4mux);
#   batch    8 segments (copies of that MCAP) converted by batch --jobs 1 and --jobs 2: wall seconds.
# Prints the figures and writes target/bench/dataset.txt. Env: RECORD_S=20 DEPTH_S=10
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/cvmmap-streamer.jar ] || mvn -B -q -ntp package -DskipTests
out=target/bench/dataset
rm -rf "$out"
mkdir -p "$out"
res=target/bench/dataset.txt
: >"$res"
cli=bin/cvmmap-streamer
rec=${RECORD_S:-20}
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -f /dev/shm/cvmmap_bench-ds-* /tmp/cvmmap_bench-ds-*
}
trap cleanup EXIT
say() { echo "$*" | tee -a "$res"; }
now_ms() { date +%s%3N; }
# the user+sys clock ticks of process $1 when it ended (polled every 0.5 s)
cpu_ticks_until_exit() {
  local pid=$1 ticks=0
  while kill -0 "$pid" 2>/dev/null; do
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo "$ticks")
    sleep 0.5
  done
  echo "$ticks"
}
hz=$(getconf CLK_TCK)
say "# bench-dataset $(date -u +%FT%TZ) on $(nproc) cores, $(uname -r), GStreamer $(gst-launch-1.0 --version | awk 'NR==1{print $NF}'), 4 cameras 1280x720@30, x264 veryfast zerolatency, ${rec} s"

# 1. record: four genlocked producers, one record-bundle process
origin=$(( $(date +%s%N) + 2000000000 ))
args=()
for i in 1 2 3 4; do
  "$cli" dummy-producer --label "bench-ds-$i" --width 1280 --height 720 --fps 30 --genlock-origin-ns "$origin" \
    >"$out/producer-$i.log" 2>&1 &
  pids+=($!)
  args+=(--input "cvmmap://bench-ds-$i" --label "cam$i")
done
sleep 3 # producers up (JVM start); the recording itself is timed by --duration-seconds
t0=$(now_ms)
"$cli" record-bundle "${args[@]}" --output "$out/rig.mcap" --duration-seconds "$rec" --keep-parts >"$out/record.log" 2>&1 &
rpid=$!
cpu_last=$(cpu_ticks_until_exit "$rpid")
wait "$rpid" # its exit status (set -e)
t1=$(now_ms)
parts_bytes=$(du -cb "$out"/rig.mcap.parts/*.mcap | tail -1 | cut -f1)
cpu_s=$(awk -v t="$cpu_last" -v hz="$hz" 'BEGIN{printf "%.1f", t / hz}')
wall_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", (b - a) / 1000}')
say "record: wall ${wall_s} s (recording ${rec} s + start + bundling), CPU ${cpu_s} s = $(awk -v c="$cpu_s" -v r="$rec" 'BEGIN{printf "%.2f", c / r}') cores; one-camera recordings $(( parts_bytes / 1000000 )) MB = $(awk -v b="$parts_bytes" -v r="$rec" 'BEGIN{printf "%.2f", b / r / 1e6}') MB/s to disk"
"$cli" inspect "$out/rig.mcap" >"$out/inspect.txt"
frames=$(awk -F'messages=' '/^topic=\/cam/ {split($2, a, " "); printf "%s%s", sep, a[1]; sep="/"}' "$out/inspect.txt")
say "record: video messages per camera ${frames} of $(( rec * 30 )) frames produced (what the encoders kept up with; the latest-frame queue drops the rest)"

# 1b. record with depth: the same rig publishing v2 LEFT+DEPTH (720p GRAY/F32, 3.7 MB a frame), DEPTH_S
#     seconds; the bundled file with zstd chunks against the one-camera recordings (uncompressed)
dep=${DEPTH_S:-10}
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
pids=()
origin=$(( $(date +%s%N) + 2000000000 ))
for i in 1 2 3 4; do
  "$cli" dummy-producer --label "bench-ds-$i" --width 1280 --height 720 --fps 30 --depth --genlock-origin-ns "$origin" \
    >"$out/producer-depth-$i.log" 2>&1 &
  pids+=($!)
done
sleep 3
"$cli" record-bundle "${args[@]}" --output "$out/rig-depth.mcap" --duration-seconds "$dep" --keep-parts \
  >"$out/record-depth.log" 2>&1 &
rpid=$!
cpu_last=$(cpu_ticks_until_exit "$rpid")
wait "$rpid" # its exit status (set -e)
parts_bytes=$(du -cb "$out"/rig-depth.mcap.parts/*.mcap | tail -1 | cut -f1)
bundled_bytes=$(stat -c %s "$out/rig-depth.mcap")
cpu_s=$(awk -v t="$cpu_last" -v hz="$hz" 'BEGIN{printf "%.1f", t / hz}')
"$cli" inspect "$out/rig-depth.mcap" >"$out/inspect-depth.txt"
depth=$(awk -F'messages=' '/^topic=\/cam.\/depth/ {split($2, a, " "); printf "%s%s", sep, a[1]; sep="/"}' "$out/inspect-depth.txt")
video=$(awk -F'messages=' '/^topic=\/cam.\/video/ {split($2, a, " "); printf "%s%s", sep, a[1]; sep="/"}' "$out/inspect-depth.txt")
say "record with depth: CPU ${cpu_s} s = $(awk -v c="$cpu_s" -v r="$dep" 'BEGIN{printf "%.2f", c / r}') cores over ${dep} s; video ${video}, depth images ${depth} per camera of $(( dep * 30 )); one-camera recordings $(( parts_bytes / 1000000 )) MB = $(awk -v b="$parts_bytes" -v r="$dep" 'BEGIN{printf "%.1f", b / r / 1e6}') MB/s to disk; bundled (zstd) $(( bundled_bytes / 1000000 )) MB ($(awk -v a="$bundled_bytes" -v b="$parts_bytes" 'BEGIN{printf "%.0f", 100 * a / b}') % of them)"
rm -rf "$out/rig-depth.mcap.parts"
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done # the producers stop before the offline tools run
wait 2>/dev/null || true
pids=()

# 2. convert: the 4 cameras remuxed, media seconds per wall second; gst-launch-1.0 on the same MP4s
media_s=$(awk -F'duration_s=' '/^topic=\/cam/ {split($2, a, " "); s += a[1]} END {printf "%.1f", s}' "$out/inspect.txt")
t0=$(now_ms)
"$cli" convert "$out/rig.mcap" --output "$out" >"$out/convert.log" 2>&1
t1=$(now_ms)
conv_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b - a) / 1000}')
inner_s=$(sed -n 's/.*event=progress_done.*elapsed_s=\([0-9.]*\).*/\1/p' "$out/convert.log")
t0=$(now_ms)
for i in 1 2 3 4; do
  gst-launch-1.0 -q filesrc location="$out/rig_cam$i.mp4" ! qtdemux ! h264parse ! mp4mux ! filesink location="$out/gst_cam$i.mp4"
done
t1=$(now_ms)
gst_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b - a) / 1000}')
say "convert: ${media_s} s of video (4 cameras) in ${conv_s} s wall = $(awk -v m="$media_s" -v w="$conv_s" 'BEGIN{printf "%.0f", m / w}')x real time with the JVM start, ${inner_s} s = $(awk -v m="$media_s" -v w="$inner_s" 'BEGIN{printf "%.0f", m / w}')x without it; gst-launch-1.0 remux of the same 4 MP4s (4 processes): ${gst_s} s = $(awk -v m="$media_s" -v w="$gst_s" 'BEGIN{printf "%.0f", m / w}')x"

# 3. batch: 8 segments, --jobs 1 against --jobs 2
for j in 1 2; do
  rm -rf "$out/batch"
  for s in 1 2 3 4 5 6 7 8; do
    mkdir -p "$out/batch/seg$s"
    cp "$out/rig.mcap" "$out/batch/seg$s/rig.mcap"
  done
  t0=$(now_ms)
  "$cli" batch convert --root "$out/batch" --recursive --jobs "$j" >"$out/batch-$j.log" 2>&1
  t1=$(now_ms)
  say "batch convert, 8 segments x 4 cameras, --jobs $j: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b - a) / 1000}') s wall"
done
echo "written: $res"
