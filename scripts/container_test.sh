#!/usr/bin/env bash
# Container suite (issue 14, docs/container.md): the runtime image built and run with the machine's
# engine (podman, or docker), judged from the host:
#   image_build         scripts/build-image.sh (--local-base unless CONTAINER_BASE names a base image)
#   no_input            the entrypoint with neither a config nor CVMMAP_INPUT_URI: exit 2 and one line
#   env_stream          the built-in producer on the host; one stream from the environment in the
#                       container (--ipc host, the socket folder mounted): RTP that Debian's ffmpeg
#                       decodes through the SDP the container wrote; /healthz (the image's HEALTHCHECK,
#                       run by the engine) and /readyz answer 200
#   stop_finalizes      `stop` → the container exits 0 within 5 s; its MP4 recording plays whole
#                       (ffprobe counts as many frames as ffmpeg decodes without an error)
#   config_stream       a streams config mounted at /etc/cvmmap-streamer/streams.yaml: run --config,
#                       /readyz 200 (stream PLAYING and fed), stop → exit 0
# Logs under $CONTAINER_OUT (default target/container), summary.json, a last line
# "total=N pass=N fail=0 skip=0". Under CI=true a machine where the image cannot be built or run is a
# failure. Exit 0 only when every row passed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${CONTAINER_OUT:-$root/target/container}
cli="$root/bin/cvmmap-streamer"
image=${IMAGE:-localhost/cvmmap-streamer:latest}
# shellcheck source=scripts/suite-lib.sh
. "$root/scripts/suite-lib.sh"
rm -rf "$out"
mkdir -p "$out"
label="ctest$$"
containers=()
cleanup() {
  for c in "${containers[@]:-}"; do
    [ -n "$c" ] && $ENGINE rm -f "$c" >/dev/null 2>&1
  done
  kill_all
  rm -f "/dev/shm/cvmmap_$label" "/tmp/cvmmap_$label"
}
trap cleanup EXIT

summary() {
  local pass fail skip
  pass=$(count container pass); fail=$(count container fail); skip=$(count container skip)
  printf '[%s]\n' "$(IFS=,; echo "${rows[*]}")" >"$out/summary.json"
  echo "container: total=${#rows[@]} pass=$pass fail=$fail skip=$skip"
  [ "$fail" -eq 0 ] && [ "$skip" -eq 0 ]
  exit $?
}

# shellcheck source=scripts/container-engine.sh
if ! . "$root/scripts/container-engine.sh"; then
  missing_peer image_build container "no container engine (podman or docker)"
  summary
fi

# 1. the image
t0=$SECONDS
mkdir -p "$out/image_build"
build_args=()
[ -z "${CONTAINER_BASE:-}" ] && build_args=(--local-base)
if BASE="${CONTAINER_BASE:-}" IMAGE="$image" bash scripts/build-image.sh "${build_args[@]}" >"$out/image_build/build.log" 2>&1; then
  size=$($ENGINE image inspect --format '{{.Size}}' "$image" 2>/dev/null)
  record image_build container pass $((SECONDS - t0)) "$image built with $ENGINE, $((size / 1000000)) MB"
else
  record image_build container fail $((SECONDS - t0)) "build failed: $(tail -1 "$out/image_build/build.log")"
  summary
fi

run_flags=(--network host --ipc host -v /tmp:/tmp)

# 2. the entrypoint refuses to start with nothing to stream
t0=$SECONDS
mkdir -p "$out/no_input"
$ENGINE run --rm "${run_flags[@]}" "$image" >"$out/no_input/out.log" 2>"$out/no_input/err.log"
rc=$?
# the container's own stderr, without podman's lines about healthcheck timers on hosts without systemd
grep -v '^time=".*" level=' "$out/no_input/err.log" >>"$out/no_input/out.log"
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$out/no_input/out.log")" -eq 1 ] && grep -q CVMMAP_INPUT_URI "$out/no_input/out.log"; then
  record no_input container pass $((SECONDS - t0)) "exit 2: $(cat "$out/no_input/out.log")"
else
  record no_input container fail $((SECONDS - t0)) "exit $rc, $(wc -l <"$out/no_input/out.log") lines (want 2, 1)"
fi

# the built-in producer on the host, world-readable SHM and socket (what the container user opens)
"$cli" dummy-producer --label "$label" --fps 30 --width 640 --height 360 >"$out/producer.log" 2>&1 &
pids+=($!)
wait_for "$out/producer.log" "event=producer_started" 20 || true

# run_streamer NAME ROWDIR [ENGINE RUN ARGS...]: a detached container (removed at exit); echoes its name
run_streamer() {
  local name=$1 dir=$2
  shift 2
  mkdir -p "$dir/data"
  chmod 0777 "$dir/data" # the image's user (uid 10001) writes the SDP and the recording here
  containers+=("$name")
  $ENGINE run -d --name "$name" "${run_flags[@]}" -v "$dir/data:/data" "$@" "$image" >"$dir/run.log" 2>&1
}
# stop_timed NAME DIR: `stop` with a 10 s grace; sets stop_ms and exit_code, keeps the container's log
stop_timed() {
  local t
  t=$(date +%s%3N)
  $ENGINE stop -t 10 "$1" >/dev/null 2>&1
  stop_ms=$(( $(date +%s%3N) - t ))
  exit_code=$($ENGINE inspect --format '{{.State.ExitCode}}' "$1" 2>/dev/null)
  $ENGINE logs "$1" >"$2/streamer.log" 2>&1
}
# http_code PORT PATH
http_code() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1$2"; }
# wait_ready PORT TIMEOUT_S: until /readyz answers 200
wait_ready() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    [ "$(http_code "$1" /readyz)" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}

# 3. one stream from the environment
t0=$SECONDS
dir="$out/env_stream"
rtp_port=$(free_port)
http_port=$(free_port)
run_streamer "cvmmap-ct-env-$$" "$dir" \
  -e CVMMAP_INPUT_URI="cvmmap://$label" -e CVMMAP_CODEC=h264 \
  -e CVMMAP_RTP_ENDPOINT="127.0.0.1:$rtp_port" -e CVMMAP_RTP_SDP=/data/stream.sdp \
  -e CVMMAP_RECORD_MP4=/data/recording.mp4 -e CVMMAP_HTTP_LISTEN="127.0.0.1:$http_port"
frames=""
health=""
if decode_sdp "$dir/data/stream.sdp" "$dir" 60 "$rtp_port" && wait_ready "$http_port" 30; then
  # 90 frames decoded: ffmpeg's progress, then stop it (its count is what it decoded)
  for ((i = 0; i < 300; i++)); do
    frames=$(decoded_frames "$dir")
    [ "${frames:-0}" -ge 90 ] && break
    sleep 0.1
  done
  kill "$ffmpeg_pid" 2>/dev/null
  health=$($ENGINE healthcheck run "cvmmap-ct-env-$$" 2>&1 && echo healthy)
fi
codec=$(grep -o 'Video: h264[^,]*' "$dir/ffmpeg.log" 2>/dev/null | head -1)
if [ "${frames:-0}" -ge 90 ] && [ "$health" = healthy ] && [ -n "$codec" ]; then
  record env_stream container pass $((SECONDS - t0)) "ffmpeg decoded ${frames} frames ($codec) from the container's SDP; healthcheck: $health; /readyz 200"
else
  record env_stream container fail $((SECONDS - t0)) "decoded=${frames:-none} codec=${codec:-none} healthcheck=${health:-none} (see $dir)"
fi

# 4. stop → exit 0 within 5 s, the MP4 finalized
t0=$SECONDS
stop_timed "cvmmap-ct-env-$$" "$dir"
mp4="$dir/data/recording.mp4"
probed=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of default=nw=1:nk=1 "$mp4" 2>/dev/null | head -1)
# every frame decoded, one CRC line each, timestamps kept as the file has them (the frames carry
# their capture times, not a constant rate)
ffmpeg -v error -i "$mp4" -map 0:v -fps_mode passthrough -enc_time_base -1 -f framecrc - \
  >"$dir/mp4-framecrc.txt" 2>"$dir/mp4-decode.log"
decode_rc=$?
decoded=$(grep -c '^0,' "$dir/mp4-framecrc.txt")
if [ "$exit_code" = 0 ] && [ "$stop_ms" -le 5000 ] && [ "${probed:-0}" -ge 30 ] && [ "$decode_rc" -eq 0 ] \
    && [ "$decoded" = "$probed" ] && [ ! -s "$dir/mp4-decode.log" ]; then
  record stop_finalizes container pass $((SECONDS - t0)) "stop took ${stop_ms} ms, exit 0; the MP4 has ${probed} frames, ffmpeg decoded all ${decoded} without an error"
else
  record stop_finalizes container fail $((SECONDS - t0)) "stop ${stop_ms} ms exit ${exit_code:-?}; MP4 frames=${probed:-none} decoded=${decoded} rc=$decode_rc $(head -c 200 "$dir/mp4-decode.log")"
fi

# 5. a streams config mounted where the entrypoint looks
t0=$SECONDS
dir="$out/config_stream"
mkdir -p "$dir"
http_port=$(free_port)
cat >"$dir/streams.yaml" <<YAML
# mounted at /etc/cvmmap-streamer/streams.yaml
http-listen: "127.0.0.1:$http_port"
streams:
  cam:
    input-uri: "cvmmap://$label"
    codec: h264
    rtp: true
    rtp-endpoint: "127.0.0.1:$(free_port)"
YAML
chmod 0644 "$dir/streams.yaml"
run_streamer "cvmmap-ct-config-$$" "$dir" -e CVMMAP_HTTP_LISTEN= \
  -v "$dir/streams.yaml:/etc/cvmmap-streamer/streams.yaml:ro"
ready=no
wait_ready "$http_port" 30 && ready=yes
readyz=$(curl -s "http://127.0.0.1:$http_port/readyz")
stop_timed "cvmmap-ct-config-$$" "$dir"
if [ "$ready" = yes ] && [ "$exit_code" = 0 ] && grep -q "event=stream_started\|stream=cam\|key=cvmmap_$label" "$dir/streamer.log"; then
  record config_stream container pass $((SECONDS - t0)) "run --config from the mounted file: /readyz 200 ($readyz); stop ${stop_ms} ms, exit 0"
else
  record config_stream container fail $((SECONDS - t0)) "ready=$ready exit=${exit_code:-?} readyz=${readyz:-none} (see $dir/streamer.log)"
fi

summary
