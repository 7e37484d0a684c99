#!/usr/bin/env bash
# Benchmark (not a test): how soon the first RTP packet leaves, side by side in one run.
#   process start → first RTP packet, 1280x720 built-in producer, x264 + RTP, no NATS:
#     the streamer with its AppCDS archive (bin/cvmmap-streamer as shipped), the same JVM flags
#     without the archive, and gst-launch-1.0 with the same elements (videotestsrc in place of the
#     producer);
#   reload → first RTP packet: `run --config` with one stream, a second stream added, SIGHUP, time
#     to the added stream's first packet (and that process's own start → first packet).
# Median of RUNS (default 5) runs each; writes target/bench/startup.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/cvmmap-streamer.jar ] || mvn -B -q -ntp package -DskipTests
out=target/bench
mkdir -p "$out"
res="$out/startup.txt"
: >"$res"
runs=${RUNS:-5}
port=$((40000 + RANDOM % 20000))
fp="python3 scripts/bench/first_packet.py"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
say() { echo "$*" | tee -a "$res"; }
say "# bench-startup $(date -u +%FT%TZ) on $(nproc) cores, $(uname -r), $(java -version 2>&1 | head -1), $runs runs each"
[ -f target/cvmmap-streamer.jsa ] || say "(no target/cvmmap-streamer.jsa: scripts/appcds.sh did not make one)"
args=(--input-mode dummy --codec h264 --rtp --rtp-endpoint "127.0.0.1:$port" --no-nats --status-interval-ms 0)
one() { "$@" | sed -n 's/^first_packet_ms=//p'; }
s=(); n=(); g=()
for ((i = 0; i < runs; i++)); do
  s+=("$(one $fp "$port" 20 -- bin/cvmmap-streamer --dummy-label bs-s-$$-$i "${args[@]}")")
  n+=("$(one $fp "$port" 20 -- java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xms16m -XX:ReservedCodeCacheSize=32m \
      -jar target/cvmmap-streamer.jar --dummy-label bs-n-$$-$i "${args[@]}")")
  g+=("$(one $fp "$port" 20 -- gst-launch-1.0 -q videotestsrc is-live=true \
      ! video/x-raw,format=BGR,width=1280,height=720,framerate=30/1 ! videoconvert ! video/x-raw,format=I420 \
      ! x264enc speed-preset=veryfast tune=zerolatency key-int-max=30 bframes=0 bitrate=4000 \
      ! h264parse config-interval=-1 ! rtph264pay config-interval=0 mtu=1400 \
      ! udpsink host=127.0.0.1 port="$port" sync=false async=false)")
done
rm -f /dev/shm/cvmmap_bs-* /tmp/cvmmap_bs-*
printf '%-60s %s\n' "start → first RTP, streamer with AppCDS archive (ms)" "$(printf '%s\n' "${s[@]}" | median)  [${s[*]}]" | tee -a "$res"
printf '%-60s %s\n' "start → first RTP, streamer without the archive (ms)" "$(printf '%s\n' "${n[@]}" | median)  [${n[*]}]" | tee -a "$res"
printf '%-60s %s\n' "start → first RTP, gst-launch-1.0 (ms)" "$(printf '%s\n' "${g[@]}" | median)  [${g[*]}]" | tee -a "$res"
work=$(mktemp -d)
trap 'rm -rf "$work"; rm -f /dev/shm/cvmmap_rlb-* /tmp/cvmmap_rlb-*' EXIT
r=(); st=()
for ((i = 0; i < runs; i++)); do
  o=$(python3 scripts/bench/reload_first_packet.py bin/cvmmap-streamer "$work")
  st+=("$(sed -n 's/^start_first_packet_ms=//p' <<<"$o")")
  r+=("$(sed -n 's/^reload_first_packet_ms=//p' <<<"$o")")
done
printf '%-60s %s\n' "run --config: start → first RTP (ms)" "$(printf '%s\n' "${st[@]}" | median)  [${st[*]}]" | tee -a "$res"
printf '%-60s %s\n' "run --config: SIGHUP adding a stream → its first RTP (ms)" "$(printf '%s\n' "${r[@]}" | median)  [${r[*]}]" | tee -a "$res"
say "results: $res"
