#!/usr/bin/env bash
# Fault suite (docs/specs/streamer.md §7; docs/fault-suite.md): the streamer put through what production does to
# it, each scenario judged by an independent reader of what it sent or wrote, never by its own
# counters alone:
#   torn_read          a producer writing each next frame 0-3 ms after the previous sync, one grey level
#                      per frame: torn frames counted, and no picture decoded from the MP4 recording
#                      mixes two source frames (scripts/torn-check.py on Debian ffmpeg's raw output)
#   reset_storm        a producer SIGKILLed and restarted 50x across 7 sizes (shrinking, odd) while RTP,
#                      RTMP, MP4 and MCAP run: rtp-receiver-tester (one SSRC, 0 sequence gaps, timestamps
#                      never back), rtmp-stub-tester's dump through flv-check, every MP4 file in Debian's
#                      ffprobe, the MCAP in @mcap/core; every written frame decodes
#   rebuilds           20 NATS restarts: Debian's ffmpeg on the SDP decodes on (>= 90 % of the frames,
#                      no lost packet), the MP4 spanning them plays whole
#   rtmp_restart       the RTMP server stopped and started 3x: each session starts with onMetaData,
#                      sequence header, keyframe (flv-check), publishing again <= 1 s after it is back
#   nats_down          NATS gone for 20 s while an MCAP recording runs: reconnected <= 1 s after it is
#                      back, the recording goes on (@mcap/core reads every second of it)
#   sigkill_recording  the streamer SIGKILLed while recording: the MP4 plays up to its last fragment,
#                      mcap-recover makes the MCAP complete (@mcap/core's indexed reader)
#   odd_sizes          641x361 and 17x240 frames: encoded (cropped), decoded by ffprobe, no rebuild
#   rtmp_stall         the RTMP server SIGSTOPped for 60 s: RTP goes on with 0 gaps, RSS bounded, after
#                      SIGCONT nginx plays the stream back to ffprobe
#   udp_stall          the RTP receiver's socket never read: ingest goes on, nothing is rebuilt
# Logs per scenario under $FAULT_OUT (default target/fault-suite), summary.json, and a last line
# "total=N pass=N fail=0 skip=0". Exit 0 only when every scenario ran and passed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${FAULT_OUT:-$root/target/fault-suite}
cli="$root/bin/cvmmap-streamer"
# shellcheck source=scripts/suite-lib.sh
. "$root/scripts/suite-lib.sh"

if [ ! -f "$root/target/cvmmap-streamer.jar" ]; then
  mvn -B -ntp -q package -DskipTests || { echo "fault suite: build failed" >&2; exit 1; }
fi
rm -rf "$out"
mkdir -p "$out"
trap kill_all EXIT

mcap_check() { # FILE → its JSON line
  node "$root/test-peers/mcap-check.mjs" "$1" 2>&1 | tail -1
}
frames_of() { # FILE [ffprobe args] → nb_read_frames
  ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of default=nw=1:nk=1 "$@" \
    2>/dev/null | head -1
}
jfield() { # JSON FIELD → value (numbers and booleans)
  echo "$1" | grep -o "\"$2\":[a-z0-9]*" | head -1 | cut -d: -f2
}
stop_pid() { # PID: SIGTERM, wait (the streamer ends cleanly with 0)
  kill -TERM "$1" 2>/dev/null
  wait "$1"
}
judge() { # NAME T0 DETAIL CONDITION...: a pass row when the condition (a command) holds, else a fail row
  local name=$1 t0=$2 detail=$3
  shift 3
  local pass=0
  if "$@"; then record "$name" fault pass $((SECONDS - t0)) "$detail"
  else record "$name" fault fail $((SECONDS - t0)) "$detail"; fi
}
written_by() { # LOG FORMAT → frames_written of the recorder's last recording_stopped line
  grep -o "format=$2 path=[^ ]* frames_ingested=[0-9]* frames_written=[0-9]*" "$1" | tail -1 \
    | grep -o "frames_written=[0-9]*" | cut -d= -f2
}
rtp_flushed() { # LOG: the receiver's next progress lines count every packet sent before the sender stopped
  wait_for "$1" rtp_progress 5 $(( $(grep -c rtp_progress "$1") + 2 ))
}

# ------------------------------------------------------------------------------------------------
scenario_reset_storm() {
  local name=reset_storm dir="$out/reset_storm" t0=$SECONDS label="fs-storm-$$"
  mkdir -p "$dir"
  local rtp rtmp
  rtp=$(free_port)
  rtmp=$(free_port)
  "$cli" rtp-receiver-tester --port "$rtp" --packet-threshold 100000000 --timeout-ms 300000 --progress-ms 1000 \
    >"$dir/rtp.log" 2>&1 &
  local rx=$!
  pids+=("$rx")
  "$cli" rtmp-stub-tester --mode h264 --listen-port "$rtmp" --video-threshold 100000000 --timeout-ms 300000 \
    --dump "$dir/received.flv" >"$dir/stub.log" 2>&1 &
  local stub=$!
  pids+=("$stub")
  wait_for "$dir/rtp.log" rtp_receiver_listening 15
  wait_for "$dir/stub.log" rtmp_stub_listening 15
  "$cli" --input-uri "cvmmap://$label" --codec h264 --rtp --rtp-endpoint "127.0.0.1:$rtp" \
    --rtmp --rtmp-url "rtmp://127.0.0.1:$rtmp/live/storm" --record-mp4 "$dir/storm.mp4" \
    --record-mcap "$dir/storm.mcap" --no-nats --status-interval-ms 1000 >"$dir/streamer.log" 2>&1 &
  local st=$!
  pids+=("$st")
  local sizes=(640x360 320x240 641x361 160x120 1280x720 319x239 96x64) i followed=0
  for ((i = 0; i < 50; i++)); do
    local s=${sizes[$((i % 7))]}
    "$cli" dummy-producer --label "$label" --width "${s%x*}" --height "${s#*x}" --fps 30 --frames 0 \
      >"$dir/producer-$i.log" 2>&1 &
    local pr=$!
    # followed: the streamer renegotiated to this size (or, first time, started) and encoded from it
    if wait_for "$dir/streamer.log" "event=status .*format=\"BGR $((${s%x*} & ~1))x$((${s#*x} & ~1))\"" 10 \
        $(( $(grep -c "event=status .*format=\"BGR $((${s%x*} & ~1))x$((${s#*x} & ~1))\"" "$dir/streamer.log") + 1 )); then
      followed=$((followed + 1))
    fi
    kill -KILL "$pr" 2>/dev/null
    wait "$pr" 2>/dev/null
  done
  rm -f "/dev/shm/cvmmap_$label" "/tmp/cvmmap_$label"
  stop_pid "$st"
  local sc=$?
  wait "$stub" 2>/dev/null # it ends when the publisher closes the connection
  rtp_flushed "$dir/rtp.log"
  kill -TERM "$rx" 2>/dev/null
  wait "$rx" 2>/dev/null
  local gaps ssrcs back
  gaps=$(grep -o "seq_gaps=[0-9]*" "$dir/rtp.log" | tail -1 | cut -d= -f2)
  ssrcs=$(grep -o "ssrc_changes=[0-9]*" "$dir/rtp.log" | tail -1 | cut -d= -f2)
  back=$(grep -o "ts_backwards=[0-9]*" "$dir/rtp.log" | tail -1 | cut -d= -f2)
  "$cli" flv-check --mode h264 "$dir/received.flv" >"$dir/flv-check.log" 2>&1
  local fc=$?
  local written mp4_frames=0 f
  written=$(written_by "$dir/streamer.log" mp4)
  for f in "$dir"/storm*.mp4; do
    mp4_frames=$((mp4_frames + $(frames_of "$f" || echo 0)))
  done
  local mcap mcap_written
  mcap=$(mcap_check "$dir/storm.mcap")
  mcap_written=$(written_by "$dir/streamer.log" mcap)
  local detail="followed $followed/50, streamer exit $sc; RTP seq_gaps=${gaps:-?} ssrc_changes=${ssrcs:-?} ts_backwards=${back:-?}; flv-check exit $fc: $(tail -1 "$dir/flv-check.log" | cut -c1-90); MP4 $(ls "$dir"/storm*.mp4 | wc -l) files, ffprobe $mp4_frames of ${written:-?} frames; MCAP @mcap/core ok=$(jfield "$mcap" ok) messages=$(jfield "$mcap" messages) of ${mcap_written:-?}"
  if [ "$followed" -eq 50 ] && [ "$sc" -eq 0 ] && [ "${gaps:-1}" -eq 0 ] && [ "${ssrcs:-1}" -eq 0 ] && [ "${back:-1}" -eq 0 ] \
      && [ "$fc" -eq 0 ] && [ -n "$written" ] && [ "$mp4_frames" -eq "$written" ] && [ "$(jfield "$mcap" ok)" = true ] \
      && [ "$(jfield "$mcap" messages)" = "$mcap_written" ]; then pass=1; fi
  judge "$name" "$t0" "$detail" [ "$pass" -eq 1 ]
}

# ------------------------------------------------------------------------------------------------
scenario_rebuilds() {
  local name=rebuilds dir="$out/rebuilds" t0=$SECONDS
  mkdir -p "$dir"
  local np rtp
  np=$(free_port)
  rtp=$(free_port)
  nats-server -a 127.0.0.1 -p "$np" >"$dir/nats.log" 2>&1 &
  local ns=$!
  pids+=("$ns")
  wait_for "$dir/nats.log" "Server is ready" 10
  "$cli" --input-mode dummy --dummy-label "fs-reb-$$" --dummy-width 640 --dummy-height 360 --codec h264 \
    --rtp --rtp-endpoint "127.0.0.1:$rtp" --rtp-sdp "$dir/stream.sdp" --record-mp4 "$dir/rebuilds.mp4" \
    --nats-url "nats://127.0.0.1:$np" --status-interval-ms 1000 >"$dir/streamer.log" 2>&1 &
  local st=$!
  pids+=("$st")
  local i ok=1
  decode_sdp "$dir/stream.sdp" "$dir" 120
  local ff=$ffmpeg_pid
  wait_for "$dir/streamer.log" "event=nats_service_started" 20 || ok=0
  wait_for "$dir/streamer.log" "event=encoder_confirmed" 20 || ok=0
  for ((i = 1; i <= 20; i++)); do
    "$cli" ctl --nats-url "nats://127.0.0.1:$np" --key "cvmmap_fs-reb-$$" restart >>"$dir/ctl.log" 2>&1 || ok=0
    # the rebuilt graph encodes again (its generation is i + 1)
    wait_for "$dir/streamer.log" "event=encoder_confirmed key=[^ ]* gen=$((i + 1)) " 20 || ok=0
  done
  sleep 1 # a last second of video after the 20th rebuild: the stream's own pace, not a wait for a state
  stop_pid "$st"
  local sc=$?
  wait "$ff" 2>/dev/null # ffmpeg ends ~16 s after the last packet, its decoder flushed
  kill "$ns" 2>/dev/null
  wait "$ns" 2>/dev/null
  local pushed decoded missed restarts written mp4
  pushed=$(status_value "$dir/streamer.log" frames_pushed)
  restarts=$(status_value "$dir/streamer.log" restarts)
  decoded=$(decoded_frames "$dir")
  missed=$(grep -c -i "missed\|bad cseq\|RTP: dropping" "$dir/ffmpeg.log")
  written=$(written_by "$dir/streamer.log" mp4)
  mp4=$(frames_of "$dir/rebuilds.mp4")
  local detail="20 restarts answered and rebuilt: $ok (restarts=${restarts:-?}), streamer exit $sc; ffmpeg on the SDP decoded ${decoded:-0} of ${pushed:-?} frames, ${missed} lost-packet lines; MP4 ffprobe ${mp4:-0} of ${written:-?}"
  local pass=0
  if [ "$ok" -eq 1 ] && [ "$sc" -eq 0 ] && [ "${restarts:-0}" -eq 20 ] && [ -n "$decoded" ] && [ -n "$pushed" ] \
      && [ $((decoded * 100)) -ge $((pushed * 90)) ] && [ "$missed" -eq 0 ] && [ -n "$written" ] && [ "${mp4:-0}" -eq "$written" ]; then pass=1; fi
  judge "$name" "$t0" "$detail" [ "$pass" -eq 1 ]
}

# ------------------------------------------------------------------------------------------------
scenario_rtmp_restart() {
  local name=rtmp_restart dir="$out/rtmp_restart" t0=$SECONDS
  mkdir -p "$dir"
  local port
  port=$(free_port)
  "$cli" --input-mode dummy --dummy-label "fs-rr-$$" --dummy-width 320 --dummy-height 240 --codec h264 \
    --rtmp --rtmp-url "rtmp://127.0.0.1:$port/live/restart" --rtmp-reconnect-min-ms 100 --rtmp-reconnect-max-ms 800 \
    --no-nats --status-interval-ms 0 >"$dir/streamer.log" 2>&1 &
  local st=$!
  pids+=("$st")
  local i ok=1 worst=0 checks=""
  for ((i = 1; i <= 3; i++)); do
    # one session per server start: the stub takes 60 frames, then closes (the server goes away)
    "$cli" rtmp-stub-tester --mode h264 --listen-port "$port" --video-threshold 60 --timeout-ms 20000 \
      --dump "$dir/session-$i.flv" >"$dir/stub-$i.log" 2>&1
    local sc=$?
    local up first
    up=$(log_ms "$dir/stub-$i.log" rtmp_stub_listening)
    first=$(log_ms "$dir/stub-$i.log" rtmp_stub_first_frame)
    "$cli" flv-check --mode h264 "$dir/session-$i.flv" >"$dir/flv-check-$i.log" 2>&1
    local fc=$?
    local lines
    lines=$("$cli" flv-check --mode h264 --tags "$dir/session-$i.flv" 2>/dev/null | head -3 | awk '{print $4 $5}' | tr '\n' ',')
    local ms=$(( ${first:-0} - ${up:-0} ))
    [ "$i" -gt 1 ] && [ "$ms" -gt "$worst" ] && worst=$ms
    checks="$checks session $i: stub exit $sc, flv-check exit $fc, starts $lines first frame ${ms} ms after listening;"
    local pass=0
  if [ "$sc" -ne 0 ] || [ "$fc" -ne 0 ] || [ -z "$first" ] || [ "$lines" != "onMetaData,AVCSEQUENCE_START,AVCCODED_FRAME," ]; then
      ok=0
    fi
    if [ "$i" -gt 1 ] && [ "$ms" -gt 1000 ]; then
      ok=0
    fi
  done
  stop_pid "$st"
  local sc=$?
  local detail="$checks worst reconnect ${worst} ms; streamer exit $sc"
  local pass=0
  if [ "$ok" -eq 1 ] && [ "$sc" -eq 0 ]; then pass=1; fi
  judge "$name" "$t0" "$detail" [ "$pass" -eq 1 ]
}

# ------------------------------------------------------------------------------------------------
scenario_nats_down() {
  local name=nats_down dir="$out/nats_down" t0=$SECONDS key="cvmmap_fs-nd-$$"
  mkdir -p "$dir/rec"
  local np
  np=$(free_port)
  nats-server -a 127.0.0.1 -p "$np" >"$dir/nats-1.log" 2>&1 &
  local ns=$!
  pids+=("$ns")
  wait_for "$dir/nats-1.log" "Server is ready" 10
  "$cli" --input-mode dummy --dummy-label "fs-nd-$$" --dummy-width 320 --dummy-height 240 --codec h264 \
    --rtp --rtp-endpoint "127.0.0.1:$(free_port)" --nats-url "nats://127.0.0.1:$np" --nats-reconnect-wait-ms 200 \
    --record-dir "$dir/rec" --status-interval-ms 0 >"$dir/streamer.log" 2>&1 &
  local st=$!
  pids+=("$st")
  local ok=1
  wait_for "$dir/streamer.log" "event=nats_service_started" 20 || ok=0
  "$cli" ctl --nats-url "nats://127.0.0.1:$np" --key "$key" record mcap start during-outage.mcap >"$dir/ctl.log" 2>&1 || ok=0
  sleep 2 # recording before the outage: the video's pace
  kill -TERM "$ns"
  wait "$ns" 2>/dev/null
  sleep 20 # the outage itself: its length is what is tested
  nats-server -a 127.0.0.1 -p "$np" >"$dir/nats-2.log" 2>&1 &
  ns=$!
  pids+=("$ns")
  wait_for "$dir/nats-2.log" "Server is ready" 10
  wait_for "$dir/streamer.log" "event=nats_reconnected" 10 || ok=0
  local ready back
  # nats-server's lines: [pid] YYYY/MM/DD HH:MM:SS.micros [INF] ...; the streamer's: HH:MM:SS.mmm
  ready=$(nats_ms "$dir/nats-2.log" "Server is ready")
  back=$(log_ms "$dir/streamer.log" "event=nats_reconnected")
  sleep 2
  "$cli" ctl --nats-url "nats://127.0.0.1:$np" --key "$key" record mcap stop >>"$dir/ctl.log" 2>&1 || ok=0
  stop_pid "$st"
  local sc=$?
  kill "$ns" 2>/dev/null
  wait "$ns" 2>/dev/null
  local mcap messages span
  mcap=$(mcap_check "$dir/rec/during-outage.mcap")
  messages=$(jfield "$mcap" messages)
  # log times of the first and last message (ns), as the checker reports them
  span=$(echo "$mcap" | grep -o '"logTimeSpanMs":[0-9]*' | cut -d: -f2)
  local back_ms=$(( ${back:-0} - ${ready:-0} ))
  local detail="20 s outage; control back ${back_ms} ms after nats-server was ready (reconnect wait 200 ms); ctl ok=$ok; streamer exit $sc; MCAP @mcap/core ok=$(jfield "$mcap" ok) messages=${messages:-0} log-time span ${span:-?} ms"
  # the recording covers before, during and after the outage: >= 22 s of 30 fps video at 90 %
  if [ "$ok" -eq 1 ] && [ "$sc" -eq 0 ] && [ "$(jfield "$mcap" ok)" = true ] && [ "${messages:-0}" -ge 600 ] \
      && [ -n "$back" ] && [ -n "$ready" ] && [ "$back_ms" -ge 0 ] && [ "$back_ms" -le 1000 ]; then pass=1; fi
  judge "$name" "$t0" "$detail" [ "$pass" -eq 1 ]
}

# ------------------------------------------------------------------------------------------------
scenario_sigkill_recording() {
  local name=sigkill_recording dir="$out/sigkill_recording" t0=$SECONDS
  mkdir -p "$dir"
  "$cli" --input-mode dummy --dummy-label "fs-kill-$$" --dummy-width 320 --dummy-height 240 --codec h264 \
    --rtp --rtp-endpoint "127.0.0.1:$(free_port)" --no-nats --status-interval-ms 250 \
    --record-mp4 "$dir/killed.mp4" --record-mcap "$dir/killed.mcap" >"$dir/streamer.log" 2>&1 &
  local st=$!
  pids+=("$st")
  local i
  for ((i = 0; i < 400; i++)); do
    local enc
    enc=$(grep -o "event=status .* encoded=[0-9]*" "$dir/streamer.log" 2>/dev/null | tail -1 | grep -o "encoded=[0-9]*" | cut -d= -f2)
    [ "${enc:-0}" -ge 120 ] && break
    sleep 0.05
  done
  kill -KILL "$st"
  wait "$st" 2>/dev/null
  local sc=$?
  rm -f "/dev/shm/cvmmap_fs-kill-$$" "/tmp/cvmmap_fs-kill-$$"
  local mp4 before after
  mp4=$(frames_of "$dir/killed.mp4")
  before=$(mcap_check "$dir/killed.mcap")
  "$cli" mcap-recover "$dir/killed.mcap" "$dir/recovered.mcap" >"$dir/recover.log" 2>&1
  local rc=$?
  after=$(mcap_check "$dir/recovered.mcap")
  local detail="SIGKILL (exit $sc) after ${enc:-?} encoded; MP4 ffprobe ${mp4:-0} frames; unfinished MCAP in @mcap/core ok=$(jfield "$before" ok); mcap-recover exit $rc: $(cut -c1-120 "$dir/recover.log"); recovered MCAP ok=$(jfield "$after" ok) messages=$(jfield "$after" messages)"
  local pass=0
  if [ "$sc" -eq 137 ] && [ "${mp4:-0}" -ge 60 ] && [ "$rc" -eq 0 ] && [ "$(jfield "$after" ok)" = true ] \
      && [ "$(jfield "$after" messages)" -ge 60 ]; then pass=1; fi
  judge "$name" "$t0" "$detail" [ "$pass" -eq 1 ]
}

# ------------------------------------------------------------------------------------------------
scenario_odd_sizes() {
  local name=odd_sizes dir="$out/odd_sizes" t0=$SECONDS label="fs-odd-$$"
  mkdir -p "$dir"
  local rtp
  rtp=$(free_port)
  "$cli" rtp-receiver-tester --port "$rtp" --packet-threshold 100000000 --timeout-ms 120000 --progress-ms 1000 \
    >"$dir/rtp.log" 2>&1 &
  local rx=$!
  pids+=("$rx")
  wait_for "$dir/rtp.log" rtp_receiver_listening 15
  "$cli" --input-uri "cvmmap://$label" --codec h264 --rtp --rtp-endpoint "127.0.0.1:$rtp" --no-nats \
    --record-mp4 "$dir/odd.mp4" --status-interval-ms 500 >"$dir/streamer.log" 2>&1 &
  local st=$!
  pids+=("$st")
  local s
  for s in 641x361 17x240; do
    "$cli" dummy-producer --label "$label" --width "${s%x*}" --height "${s#*x}" --fps 30 --frames 60 \
      >"$dir/producer-$s.log" 2>&1
  done
  stop_pid "$st"
  local sc=$?
  rtp_flushed "$dir/rtp.log"
  kill -TERM "$rx" 2>/dev/null
  wait "$rx" 2>/dev/null
  local restarts invalid first second
  restarts=$(status_value "$dir/streamer.log" restarts)
  invalid=$(status_value "$dir/streamer.log" invalid)
  first=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$dir/odd.mp4" 2>/dev/null)
  second=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$dir/odd.1.mp4" 2>/dev/null)
  local f1 f2 gaps
  f1=$(frames_of "$dir/odd.mp4")
  f2=$(frames_of "$dir/odd.1.mp4")
  gaps=$(grep -o "seq_gaps=[0-9]*" "$dir/rtp.log" | tail -1 | cut -d= -f2)
  local detail="streamer exit $sc, restarts=${restarts:-?} invalid=${invalid:-?}; MP4 odd.mp4 ${first:-none} ${f1:-0} frames, odd.1.mp4 ${second:-none} ${f2:-0} frames; RTP seq_gaps=${gaps:-?}"
  local pass=0
  if [ "$sc" -eq 0 ] && [ "${restarts:-1}" -eq 0 ] && [ "$first" = "640,360" ] && [ "$second" = "16,240" ] \
      && [ "${f1:-0}" -ge 30 ] && [ "${f2:-0}" -ge 30 ] && [ "${gaps:-1}" -eq 0 ]; then pass=1; fi
  judge "$name" "$t0" "$detail" [ "$pass" -eq 1 ]
}

# ------------------------------------------------------------------------------------------------
scenario_rtmp_stall() {
  local name=rtmp_stall dir="$out/rtmp_stall" t0=$SECONDS
  local module=/usr/lib/nginx/modules/ngx_rtmp_module.so
  mkdir -p "$dir"
  local pass=0
  if ! command -v nginx >/dev/null || [ ! -f "$module" ]; then
    missing_peer "$name" fault "nginx or libnginx-mod-rtmp not installed (scripts/setup.sh installs them)"
    return
  fi
  local port rtp
  port=$(free_port)
  rtp=$(free_port)
  start_nginx "$dir" "$port" || { record "$name" fault fail $((SECONDS - t0)) "nginx did not listen"; return; }
  local ng=$nginx_pid
  "$cli" rtp-receiver-tester --port "$rtp" --packet-threshold 100000000 --timeout-ms 300000 --progress-ms 1000 \
    >"$dir/rtp.log" 2>&1 &
  local rx=$!
  pids+=("$rx")
  wait_for "$dir/rtp.log" rtp_receiver_listening 15
  # ~8 Mbit/s: 1280x720 at 30 fps with --bitrate-kbps 8000
  "$cli" --input-mode dummy --dummy-label "fs-stall-$$" --dummy-width 1280 --dummy-height 720 --codec h264 \
    --bitrate-kbps 8000 --rtp --rtp-endpoint "127.0.0.1:$rtp" --rtmp --rtmp-url "rtmp://127.0.0.1:$port/live/stall" \
    --rtmp-reconnect-min-ms 100 --rtmp-reconnect-max-ms 800 --no-nats --status-interval-ms 5000 \
    >"$dir/streamer.log" 2>&1 &
  local st=$!
  pids+=("$st")
  wait_for "$dir/streamer.log" "event=rtmp_stream_started" 20
  local jpid rss0 rss1
  jpid=$(pgrep -f -- "--dummy-label fs-stall-$$" | head -1)
  sleep 3 # settle: the pace of the video
  rss0=$(awk '/VmRSS/ {print $2}' "/proc/$jpid/status" 2>/dev/null)
  local gaps0
  gaps0=$(grep -o "seq_gaps=[0-9]*" "$dir/rtp.log" | tail -1 | cut -d= -f2)
  kill -STOP "$ng"
  sleep 60 # the stall itself: its length is what is tested
  rss1=$(awk '/VmRSS/ {print $2}' "/proc/$jpid/status" 2>/dev/null)
  kill -CONT "$ng"
  local mark
  mark=$(wc -l <"$dir/streamer.log")
  timeout 30 ffprobe -v error -analyzeduration 1000000 -count_frames -read_intervals "%+#30" -select_streams v:0 \
    -show_entries stream=codec_name,nb_read_frames -of default=nw=1 "rtmp://127.0.0.1:$port/live/stall" \
    >"$dir/ffprobe.log" 2>&1
  local pc=$?
  stop_pid "$st"
  local sc=$?
  rtp_flushed "$dir/rtp.log"
  kill -TERM "$rx" 2>/dev/null
  wait "$rx" 2>/dev/null
  kill "$ng" 2>/dev/null
  wait "$ng" 2>/dev/null
  local gaps pkts
  gaps=$(grep -o "seq_gaps=[0-9]*" "$dir/rtp.log" | tail -1 | cut -d= -f2)
  pkts=$(grep -o "packets=[0-9]*" "$dir/rtp.log" | tail -1 | cut -d= -f2)
  local grow=$(( (${rss1:-0} - ${rss0:-0}) / 1024 ))
  local detail="60 s SIGSTOP of nginx: RTP packets=${pkts:-?} seq_gaps=${gaps:-?} (before ${gaps0:-?}); RSS ${rss0:-?} -> ${rss1:-?} kB (+${grow} MB); after SIGCONT ffprobe from nginx exit $pc: $(tr '\n' ' ' <"$dir/ffprobe.log" | cut -c1-80); streamer exit $sc"
  if [ "${gaps:-1}" -eq 0 ] && [ "$grow" -le 150 ] && [ "$pc" -eq 0 ] && grep -q "nb_read_frames=30" "$dir/ffprobe.log" \
      && [ "$sc" -eq 0 ]; then pass=1; fi
  judge "$name" "$t0" "$detail" [ "$pass" -eq 1 ]
}

# ------------------------------------------------------------------------------------------------
scenario_udp_stall() {
  local name=udp_stall dir="$out/udp_stall" t0=$SECONDS
  mkdir -p "$dir"
  local port
  port=$(free_port)
  # a receiver that binds the port and never reads: its socket buffer fills, the kernel drops
  python3 -c "import socket,time,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('127.0.0.1',$port)); print('bound', flush=True); time.sleep(60)" \
    >"$dir/receiver.log" 2>&1 &
  local rx=$!
  pids+=("$rx")
  wait_for "$dir/receiver.log" bound 10
  "$cli" --input-mode dummy --dummy-label "fs-udp-$$" --dummy-width 640 --dummy-height 360 --dummy-frames 300 \
    --codec h264 --rtp --rtp-endpoint "127.0.0.1:$port" --no-nats --status-interval-ms 1000 >"$dir/streamer.log" 2>&1
  local sc=$?
  kill "$rx" 2>/dev/null
  wait "$rx" 2>/dev/null
  local in pushed restarts errors
  in=$(status_value "$dir/streamer.log" frames_in)
  pushed=$(status_value "$dir/streamer.log" frames_pushed)
  restarts=$(status_value "$dir/streamer.log" restarts)
  errors=$(grep -c "event=pipeline_error" "$dir/streamer.log")
  local detail="300 frames to a socket nobody reads: streamer exit $sc, frames in ${in:-?}, pushed ${pushed:-?}, restarts ${restarts:-?}, pipeline errors $errors"
  local pass=0
  if [ "$sc" -eq 0 ] && [ "${pushed:-0}" -ge 290 ] && [ "${restarts:-1}" -eq 0 ] && [ "$errors" -eq 0 ]; then pass=1; fi
  judge "$name" "$t0" "$detail" [ "$pass" -eq 1 ]
}

# ------------------------------------------------------------------------------------------------
scenario_torn_read() {
  local name=torn_read dir="$out/torn_read" t0=$SECONDS label="fs-torn-$$"
  mkdir -p "$dir"
  local port
  port=$(free_port) # RTP to a port nobody reads: the recording is what is judged here
  "$cli" --input-uri "cvmmap://$label" --codec h264 --rtp --rtp-endpoint "127.0.0.1:$port" \
    --record-mp4 "$dir/torn.mp4" --no-nats --status-interval-ms 1000 >"$dir/streamer.log" 2>&1 &
  local st=$!
  pids+=("$st")
  # a producer racing its reader: each next frame written 0-3 ms after the previous sync, each frame one
  # grey level (payload, then metadata, then sync, as upstream); 4,000 frames take a few seconds
  "$cli" dummy-producer --label "$label" --width 320 --height 240 --pattern levels --next-frame-within-ms 3 \
    --frames 4000 >"$dir/producer.log" 2>&1
  local pc=$?
  stop_pid "$st"
  local sc=$?
  local in torn pushed written check cc
  in=$(status_value "$dir/streamer.log" frames_in)
  torn=$(status_value "$dir/streamer.log" torn)
  pushed=$(status_value "$dir/streamer.log" frames_pushed)
  written=$(written_by "$dir/streamer.log" mp4)
  # the oracle: every picture decoded from the recording shows one source frame's id, or two
  # consecutive ones whose newer frame's payload write the producer saw stall (undetectable)
  local stalled
  stalled=$(grep -o "stalled_writes=[-0-9,]*" "$dir/producer.log" | cut -d= -f2)
  check=$(ffmpeg -v error -nostdin -i "$dir/torn.mp4" -fps_mode passthrough -f rawvideo -pix_fmt gray - 2>"$dir/ffmpeg.log" \
    | python3 "$root/scripts/torn-check.py" 320 240 30 "${stalled:--}")
  cc=$?
  echo "$check" >"$dir/torn-check.log"
  local detail="producer exit $pc (4000 frames, next within 0-3 ms, $(grep -o "median_write_us=[0-9]*" "$dir/producer.log"), $(echo "${stalled:-}" | tr ',' '\n' | grep -c '[0-9]') writes stalled), streamer exit $sc: frames in ${in:-?}, torn ${torn:-?} rejected, pushed ${pushed:-?}, MP4 ${written:-?} written; $check"
  local pass=0
  if [ "$pc" -eq 0 ] && [ "$sc" -eq 0 ] && [ "${torn:-0}" -gt 0 ] && [ "$cc" -eq 0 ] \
      && [ "$(echo "$check" | grep -o 'pictures=[0-9]*' | cut -d= -f2)" = "${written:-x}" ]; then pass=1; fi
  judge "$name" "$t0" "$detail" [ "$pass" -eq 1 ]
}

echo "fault suite: logs in $out"
for s in ${FAULT_SCENARIOS:-torn_read reset_storm rebuilds rtmp_restart nats_down sigkill_recording odd_sizes rtmp_stall udp_stall}; do
  "scenario_$s"
done

total=${#rows[@]}
pass=$(count fault pass); fail=$(count fault fail); skip=$(count fault skip)
{
  echo "{"
  echo "  \"total\": $total, \"pass\": $pass, \"fail\": $fail, \"skip\": $skip,"
  echo "  \"rows\": ["
  for ((i = 0; i < total; i++)); do
    printf '    %s%s\n' "${rows[$i]}" "$([ $i -lt $((total - 1)) ] && echo ,)"
  done
  echo "  ]"
  echo "}"
} >"$out/summary.json"
echo "summary: $out/summary.json"
echo "total=$total pass=$pass fail=$fail skip=$skip"
[ "$fail" -eq 0 ] && [ "$skip" -eq 0 ] && [ "$pass" -eq "$total" ]
