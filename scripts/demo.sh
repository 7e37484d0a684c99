#!/usr/bin/env bash
# The main job on the built-in producer, end to end, with visible output:
#   built-in cv-mmap producer (SHM v2.0 + libzmq sync) -> streamer (x264, or NVENC if present)
#   -> RTP to 127.0.0.1:PORT; the embedded RTP receiver counts packets, then Debian's ffprobe opens
#   the SDP and ffmpeg decodes frames from it and saves one as a PNG.
# Usage: scripts/demo.sh [h264|h265]   (env: PORT=5004 FRAMES=300 WIDTH=1280 HEIGHT=720)
set -euo pipefail
cd "$(dirname "$0")/.."
codec="${1:-h264}"
port="${PORT:-5004}"
frames="${FRAMES:-300}"
out=target/demo
bash scripts/setup.sh
if [ ! -f target/cvmmap-streamer.jar ] || [ -n "$(find src pipelines pom.xml -newer target/cvmmap-streamer.jar -print -quit)" ]; then
  echo "demo: building"
  mvn -B -q -ntp package -DskipTests
fi
mkdir -p "$out"
rm -f "$out/frame.png"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

echo "demo: 1/3 RTP receiver on udp/$port"
bin/cvmmap-streamer rtp-receiver-tester --port "$port" --packet-threshold 400 --timeout-ms 20000 --progress-ms 500 &
rx=$!; pids+=("$rx")
sleep 0.5

echo "demo: 2/3 streamer: built-in producer, $frames frames ${WIDTH:-1280}x${HEIGHT:-720} @30 fps, codec $codec"
bin/cvmmap-streamer --input-mode dummy --dummy-label demo --dummy-frames "$frames" \
  --dummy-width "${WIDTH:-1280}" --dummy-height "${HEIGHT:-720}" --codec "$codec" \
  --rtp --rtp-endpoint "127.0.0.1:$port" --rtp-sdp "$out/stream.sdp" --status-interval-ms 2000 &
st=$!; pids+=("$st")

wait "$rx"; rxcode=$?
echo "demo: receiver exit code $rxcode (0 = packets received)"

echo "demo: 3/3 the SDP in ffprobe and ffmpeg ($out/stream.sdp)"
ffprobe -v fatal -protocol_whitelist file,udp,rtp -show_entries stream=codec_name,width,height,pix_fmt \
  -of default=nw=1 "$out/stream.sdp"
ffmpeg -hide_banner -loglevel fatal -nostdin -protocol_whitelist file,udp,rtp -i "$out/stream.sdp" \
  -frames:v 30 -update 1 -y "$out/frame.png"
echo "demo: decoded frame saved to $out/frame.png"

wait "$st"; stcode=$?
echo "demo: streamer exit code $stcode"
trap - EXIT
[ "$rxcode" -eq 0 ] && [ "$stcode" -eq 0 ]
