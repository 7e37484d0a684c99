#!/usr/bin/env bash
# Acceptance suite (docs/specs/streamer.md §9): the 5 mandatory matrix rows end to end with the built-in
# producer and the embedded testers, then interop rows with real peers.
#
#   mandatory  rtp-h264, rtp-h265            dummy producer → streamer → rtp-receiver-tester; then again
#                                            with Debian's ffmpeg on the SDP, bound
#                                            before the sender starts (>= 97 % decoded, no loss)
#              rtmp-h264, rtmp-h265-enhanced,  dummy producer → streamer → rtmp-stub-tester (packaging
#              rtmp-h265-domestic              checked per tag), then the dumped FLV through flv-check
#   interop    nginx-rtmp-h264               nginx + libnginx-mod-rtmp relays; Debian's ffprobe plays
#                                            it back and decodes 90 frames
#              ffmpeg8-h265-enhanced         FFmpeg 8 (`-listen 1`) is the server; its decoded frame
#              ffmpeg8-h265-domestic         count must equal the coded frames the streamer sent; the
#                                            domestic row also decodes the mandatory row's dump in
#                                            FFmpeg 8's ffprobe
#              original-commands             the original README's simulator, RTP and RTMP commands
#                                            word for word (bin/cvmmap_streamer, bin/rtp_receiver_tester,
#                                            bin/rtmp_stub_tester), across processes
#
# A row whose peer is not installed is a failure under CI (CI=true) and a skip elsewhere; either way
# the suite exits non-zero: nothing passes without having run. Each row has a log folder under
# $ACCEPTANCE_OUT (default target/acceptance); the JSON summary is $ACCEPTANCE_OUT/summary.json.
# Prints "total=5 pass=5 fail=0 skip=0" (mandatory) and "interop total=4 pass=… fail=… skip=…".
# Exit 0 when every row ran and passed; 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${ACCEPTANCE_OUT:-$root/target/acceptance}
cli="$root/bin/cvmmap-streamer"
ff8=${FFMPEG8_DIR:-$root/.cache/peers/ffmpeg8}
frames=${ACCEPTANCE_FRAMES:-150}

if [ ! -f "$root/target/cvmmap-streamer.jar" ]; then
  mvn -B -ntp -q package -DskipTests || { echo "acceptance: build failed" >&2; exit 1; }
fi
rm -rf "$out"
mkdir -p "$out"

# shellcheck source=scripts/suite-lib.sh
. "$root/scripts/suite-lib.sh"
cleanup() {
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null
  done
  pkill -TERM -f -- "--dummy-label acc-$$ " 2>/dev/null # JVMs of rows still running (interrupted run)
  wait 2>/dev/null
}
trap cleanup EXIT

# start_tester LOG PATTERN ARGS...: runs a tester subcommand in the background, waits until its log
# shows PATTERN (listening), sets $tester to its pid.
start_tester() {
  local log=$1 pattern=$2
  shift 2
  "$cli" "$@" >"$log" 2>&1 &
  tester=$!
  pids+=("$tester")
  wait_for "$log" "$pattern" 15
}

streamer() { # logfile args...
  local log=$1
  shift
  "$cli" --input-mode dummy --dummy-label "acc-$$" --dummy-width 640 --dummy-height 360 --dummy-fps 30 \
    --status-interval-ms 0 "$@" >"$log" 2>&1
}

row_rtp() { # name codec
  local name=$1 codec=$2 dir="$out/$1" port t0=$SECONDS
  mkdir -p "$dir"
  port=$(free_port)
  start_tester "$dir/rtp-receiver-tester.log" rtp_receiver_listening \
    rtp-receiver-tester --port "$port" --expect-pt 96 --packet-threshold $((frames - 30)) --timeout-ms 30000
  streamer "$dir/streamer.log" --dummy-frames "$frames" --codec "$codec" --rtp --rtp-endpoint "127.0.0.1:$port" \
    --rtp-sdp "$dir/stream.sdp"
  local s=$?
  wait "$tester"
  local t=$?
  # Then the same stream decoded: Debian's ffmpeg opens an SDP for a second port (the first run's SDP
  # with that port) and has bound it before the second streamer starts, so every packet reaches it;
  # it must decode >= 97 % of the access units the streamer sent (a loaded machine may drop frames
  # before the encoder; those are the streamer's own count) without reporting a lost packet, and the
  # SDP that streamer writes must describe the same stream (all but its o= line equal).
  local port2 fr
  port2=$(free_port)
  sed "s/^m=video [0-9]* /m=video $port2 /" "$dir/stream.sdp" >"$dir/decode.sdp"
  decode_sdp "$dir/decode.sdp" "$dir" 60 "$port2"
  fr=$?
  local ff=$ffmpeg_pid
  streamer "$dir/streamer-decode.log" --dummy-frames "$frames" --codec "$codec" --gop 10 --rtp \
    --rtp-endpoint "127.0.0.1:$port2" --rtp-sdp "$dir/decode-written.sdp"
  local s2=$?
  wait "$ff" 2>/dev/null # ffmpeg ends ~16 s after the last packet, its decoder flushed
  local same=0
  diff <(grep -v '^o=' "$dir/decode.sdp") <(grep -v '^o=' "$dir/decode-written.sdp") >"$dir/sdp.diff" && same=1
  local decoded missed sent
  decoded=$(decoded_frames "$dir")
  sent=$(status_value "$dir/streamer-decode.log" access_units)
  missed=$(grep -c -i "missed\|bad cseq" "$dir/ffmpeg.log")
  local detail="streamer exit $s, rtp-receiver-tester exit $t: $(grep -o 'event=rtp_receiver_done.*' "$dir/rtp-receiver-tester.log" | cut -c1-100); ffmpeg (ready: $((1 - fr)), same SDP: $same) decoded ${decoded:-0} of ${sent:-?} access units sent ($frames frames in), $missed lost-packet lines (streamer exit $s2)"
  if [ "$s" -eq 0 ] && [ "$t" -eq 0 ] && [ "$s2" -eq 0 ] && [ "$fr" -eq 0 ] && [ "$same" -eq 1 ] \
      && [ -n "$sent" ] && [ "$((sent * 2))" -ge "$frames" ] \
      && [ "$((${decoded:-0} * 100))" -ge "$((sent * 97))" ] && [ "$missed" -eq 0 ]; then record "$name" mandatory pass $((SECONDS - t0)) "$detail"
  else record "$name" mandatory fail $((SECONDS - t0)) "$detail"; fi
}

row_rtmp() { # name codec rtmp-mode tester-mode
  local name=$1 codec=$2 mode=$3 tmode=$4 dir="$out/$1" port t0=$SECONDS
  mkdir -p "$dir"
  port=$(free_port)
  start_tester "$dir/rtmp-stub-tester.log" rtmp_stub_listening rtmp-stub-tester --mode "$tmode" \
    --listen-port "$port" --video-threshold $((frames - 30)) --timeout-ms 30000 --dump "$dir/received.flv"
  streamer "$dir/streamer.log" --dummy-frames "$frames" --codec "$codec" --rtmp --rtmp-mode "$mode" \
    --rtmp-url "rtmp://127.0.0.1:$port/live/acceptance-$name"
  local s=$?
  wait "$tester"
  local t=$?
  "$cli" flv-check --mode "$tmode" --tags "$dir/received.flv" >"$dir/flv-check.log" 2>&1
  local c=$?
  local detail="streamer exit $s, rtmp-stub-tester exit $t, flv-check exit $c: $(tail -1 "$dir/flv-check.log" | cut -c1-160)"
  if [ "$s" -eq 0 ] && [ "$t" -eq 0 ] && [ "$c" -eq 0 ]; then record "$name" mandatory pass $((SECONDS - t0)) "$detail"
  else record "$name" mandatory fail $((SECONDS - t0)) "$detail"; fi
}

row_nginx() {
  local name=nginx-rtmp-h264 dir="$out/nginx-rtmp-h264" port t0=$SECONDS
  mkdir -p "$dir"
  if ! nginx_available; then
    missing_peer "$name" interop "nginx or libnginx-mod-rtmp not installed (scripts/setup.sh installs them)"
    return
  fi
  port=$(free_port)
  if ! start_nginx "$dir" "$port"; then
    record "$name" interop fail $((SECONDS - t0)) "nginx did not listen (see nginx-error.log)"
    return
  fi
  local ng=$nginx_pid
  streamer "$dir/streamer.log" --dummy-frames 900 --codec h264 --rtmp --rtmp-url "rtmp://127.0.0.1:$port/live/interop" &
  local st=$!
  pids+=("$st")
  wait_for "$dir/streamer.log" event=rtmp_connected 15
  timeout 30 ffprobe -v error -analyzeduration 1000000 -count_frames -read_intervals "%+#90" -select_streams v:0 \
    -show_entries stream=codec_name,width,height,nb_read_frames -of default=nw=1 \
    "rtmp://127.0.0.1:$port/live/interop" >"$dir/ffprobe.log" 2>&1
  local p=$?
  # SIGTERM to the JVM itself ($st is the shell running the function): a clean stop, exit 0.
  pkill -TERM -f -- "--rtmp-url rtmp://127.0.0.1:$port/live/interop"
  wait "$st"
  local s=$?
  kill "$ng" 2>/dev/null
  wait "$ng" 2>/dev/null
  local got
  got=$(tr '\n' ' ' <"$dir/ffprobe.log")
  if [ "$p" -eq 0 ] && [ "$s" -eq 0 ] && grep -q codec_name=h264 "$dir/ffprobe.log" \
    && grep -q nb_read_frames=90 "$dir/ffprobe.log"; then
    record "$name" interop pass $((SECONDS - t0)) "Debian ffprobe played it back from nginx: $got"
  else
    record "$name" interop fail $((SECONDS - t0)) "ffprobe exit $p, streamer exit $s: $got"
  fi
}

row_ffmpeg8() { # name rtmp-mode
  local name=$1 mode=$2 dir="$out/$1" port t0=$SECONDS
  mkdir -p "$dir"
  if [ ! -x "$ff8/ffmpeg" ] || ! LD_LIBRARY_PATH="$ff8" "$ff8/ffmpeg" -hide_banner -version >/dev/null 2>&1; then
    missing_peer "$name" interop "FFmpeg 8 not installed (scripts/peers.sh fetches it from Maven Central)"
    return
  fi
  port=$(free_port)
  LD_LIBRARY_PATH="$ff8" timeout 60 "$ff8/ffmpeg" -hide_banner -nostdin -listen 1 \
    -i "rtmp://127.0.0.1:$port/live/interop" -map 0:v -f null -progress "$dir/progress.txt" - >"$dir/ffmpeg8.log" 2>&1 &
  local ff=$!
  pids+=("$ff")
  if ! wait_listen "$port" 10; then
    record "$name" interop fail $((SECONDS - t0)) "ffmpeg -listen 1 did not listen (see ffmpeg8.log)"
    return
  fi
  streamer "$dir/streamer.log" --dummy-frames "$frames" --codec h265 --rtmp --rtmp-mode "$mode" \
    --rtmp-url "rtmp://127.0.0.1:$port/live/interop"
  local s=$?
  wait "$ff"
  local f=$?
  local decoded sent codec extra="" ok=1
  decoded=$(grep -o '^frame=[0-9]*' "$dir/progress.txt" 2>/dev/null | tail -1 | cut -d= -f2)
  sent=$(grep -o 'event=rtmp_stopped.*coded_frames=[0-9]*' "$dir/streamer.log" | grep -o 'coded_frames=[0-9]*' | cut -d= -f2)
  codec=$(grep -o 'Stream #0:0: Video: hevc[^,]*' "$dir/ffmpeg8.log" | head -1)
  [ "$s" -eq 0 ] && [ "$f" -eq 0 ] && [ -n "$codec" ] && [ -n "$decoded" ] && [ "$decoded" = "$sent" ] || ok=0
  if [ "$mode" = domestic ] && [ -f "$out/rtmp-h265-domestic/received.flv" ]; then
    # The mandatory row's dump: checked tag by tag there (flv-check); here FFmpeg 8 decodes every frame.
    local dumped probe
    dumped=$(grep -o 'coded_frames=[0-9]*' "$out/rtmp-h265-domestic/flv-check.log" | cut -d= -f2)
    probe=$(LD_LIBRARY_PATH="$ff8" "$ff8/ffprobe" -v error -count_frames -select_streams v:0 \
      -show_entries stream=codec_name,nb_read_frames -of default=nw=1 "$out/rtmp-h265-domestic/received.flv" \
      2>&1 | tee "$dir/ffprobe8-dump.log" | tr '\n' ' ')
    extra="; dump: flv-check coded_frames=$dumped, ffprobe8 $probe"
    echo "$probe" | grep -q "codec_name=hevc" && echo "$probe" | grep -q "nb_read_frames=$dumped " || ok=0
  fi
  local detail="streamer exit $s, ffmpeg exit $f, $codec, sent $sent coded frames, FFmpeg 8 decoded ${decoded:-none}$extra"
  if [ "$ok" -eq 1 ]; then record "$name" interop pass $((SECONDS - t0)) "$detail"
  else record "$name" interop fail $((SECONDS - t0)) "$detail"; fi
}

# The original streamer's README, its three manual commands word for word but for ./build/ -> bin/
# and free ports: the simulator (a producer only, under exactly --shm-name/--zmq-endpoint), then the
# RTP test and the RTMP test reading it from another process with the original's launcher names.
row_original_commands() {
  local name=original-commands dir="$out/original-commands" t0=$SECONDS
  mkdir -p "$dir"
  rm -f /dev/shm/test_stream /tmp/test_sync.ipc
  "$root/bin/cvmmap_streamer" --input-mode dummy --shm-name test_stream --zmq-endpoint ipc:///tmp/test_sync.ipc \
    >"$dir/simulator.log" 2>&1 &
  local sim=$!
  pids+=("$sim")
  wait_for "$dir/simulator.log" "event=producer_started" 15
  local rp mp
  rp=$(free_port)
  "$root/bin/rtp_receiver_tester" --port "$rp" --expect-pt 96 --packet-threshold 100 --timeout-ms 30000 \
    >"$dir/rtp_receiver_tester.log" 2>&1 &
  local rx=$!
  pids+=("$rx")
  wait_for "$dir/rtp_receiver_tester.log" rtp_receiver_listening 15
  "$root/bin/cvmmap_streamer" --run-mode pipeline --shm-name test_stream --zmq-endpoint ipc:///tmp/test_sync.ipc \
    --codec h264 --rtp --rtp-endpoint "127.0.0.1:$rp" --rtp-sdp "$dir/stream.sdp" --ingest-max-frames 90 --no-nats \
    >"$dir/streamer-rtp.log" 2>&1
  local s1=$?
  wait "$rx"
  local t1=$?
  mp=$(free_port)
  "$root/bin/rtmp_stub_tester" --mode h264 --listen-port "$mp" --video-threshold 60 --timeout-ms 30000 \
    >"$dir/rtmp_stub_tester.log" 2>&1 &
  local stub=$!
  pids+=("$stub")
  wait_for "$dir/rtmp_stub_tester.log" rtmp_stub_listening 15
  "$root/bin/cvmmap_streamer" --run-mode pipeline --shm-name test_stream --zmq-endpoint ipc:///tmp/test_sync.ipc \
    --codec h264 --rtmp --rtmp-url "rtmp://127.0.0.1:$mp/live/test" --ingest-max-frames 90 --no-nats \
    >"$dir/streamer-rtmp.log" 2>&1
  local s2=$?
  wait "$stub"
  local t2=$?
  kill -TERM "$sim" 2>/dev/null
  wait "$sim"
  local sc=$?
  local left=0
  [ -e /dev/shm/test_stream ] || [ -e /tmp/test_sync.ipc ] && left=1
  local detail="simulator exit $sc (left behind: $left); RTP: streamer exit $s1, rtp_receiver_tester exit $t1 ($(grep -o 'packets=[0-9]*' "$dir/rtp_receiver_tester.log" | tail -1)); RTMP: streamer exit $s2, rtmp_stub_tester exit $t2 ($(grep -o 'rtmp_stub_done.* frames=[0-9]*' "$dir/rtmp_stub_tester.log" | grep -o ' frames=[0-9]*' | tr -d ' '))"
  if [ "$s1" -eq 0 ] && [ "$t1" -eq 0 ] && [ "$s2" -eq 0 ] && [ "$t2" -eq 0 ] && [ "$sc" -eq 0 ] && [ "$left" -eq 0 ]; then
    record "$name" interop pass $((SECONDS - t0)) "$detail"
  else record "$name" interop fail $((SECONDS - t0)) "$detail"; fi
}

echo "acceptance: logs in $out"
row_rtp rtp-h264 h264
row_rtp rtp-h265 h265
row_rtmp rtmp-h264 h264 enhanced h264
row_rtmp rtmp-h265-enhanced h265 enhanced h265-enhanced
row_rtmp rtmp-h265-domestic h265 domestic h265-domestic
row_nginx
row_ffmpeg8 ffmpeg8-h265-enhanced enhanced
row_ffmpeg8 ffmpeg8-h265-domestic domestic
row_original_commands

mt=$(printf '%s\n' "${rows[@]}" | grep -c '"group":"mandatory"')
mp=$(count mandatory pass); mf=$(count mandatory fail); ms=$(count mandatory skip)
it=$(printf '%s\n' "${rows[@]}" | grep -c '"group":"interop"')
ip=$(count interop pass); ifl=$(count interop fail); is=$(count interop skip)
{
  echo "{"
  echo "  \"mandatory\": {\"total\": $mt, \"pass\": $mp, \"fail\": $mf, \"skip\": $ms},"
  echo "  \"interop\": {\"total\": $it, \"pass\": $ip, \"fail\": $ifl, \"skip\": $is},"
  echo "  \"rows\": ["
  n=${#rows[@]}
  for ((i = 0; i < n; i++)); do
    printf '    %s%s\n' "${rows[$i]}" "$([ $i -lt $((n - 1)) ] && echo ,)"
  done
  echo "  ]"
  echo "}"
} >"$out/summary.json"
echo "summary: $out/summary.json"
echo "total=$mt pass=$mp fail=$mf skip=$ms"
echo "interop total=$it pass=$ip fail=$ifl skip=$is"
[ "$mp" -eq 5 ] && [ "$ifl" -eq 0 ] && [ "$is" -eq 0 ] && [ "$ms" -eq 0 ]
