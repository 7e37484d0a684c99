# Helpers of the scenario suites (scripts/acceptance_standalone.sh, scripts/fault_suite.sh); sourced.
# Expects $out (the suite's log folder) to be set; fills $rows with one JSON object per row.

pids=()
rows=()

# A TCP/UDP port nobody listens on now (random in 20000..59999).
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    if ! ss -Haun "sport = :$p" | grep -q . && ! ss -Hatn "sport = :$p" | grep -q .; then
      echo "$p"
      return
    fi
  done
}

# wait_for FILE PATTERN TIMEOUT_S [COUNT]: until the log has COUNT (default 1) lines matching PATTERN.
wait_for() {
  local i n
  for ((i = 0; i < $3 * 20; i++)); do
    n=$(grep -c -- "$2" "$1" 2>/dev/null) # nothing while the file does not exist yet
    [ "${n:-0}" -ge "${4:-1}" ] && return 0
    sleep 0.05
  done
  return 1
}

# wait_listen PORT TIMEOUT_S: until something listens on the TCP port (without connecting to it).
wait_listen() {
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    ss -Hltn "sport = :$1" | grep -q LISTEN && return 0
    sleep 0.05
  done
  return 1
}

# record NAME GROUP STATUS SECONDS DETAIL: one row, printed and kept for the summary.
record() {
  local detail=${5//\"/\'}
  rows+=("{\"row\":\"$1\",\"group\":\"$2\",\"status\":\"$3\",\"seconds\":$4,\"detail\":\"$detail\",\"logs\":\"$out/$1\"}")
  printf '%-24s %-9s %-4s %5ss  %s\n' "$1" "$2" "$3" "$4" "$5"
}

# missing_peer NAME GROUP WHY: the row cannot run; under CI that is a failure.
missing_peer() {
  if [ "${CI:-}" = true ]; then record "$1" "$2" fail 0 "$3 (CI=true: a missing peer fails)"
  else record "$1" "$2" skip 0 "$3"; fi
}

# count GROUP STATUS: rows of that group with that status.
count() { printf '%s\n' "${rows[@]}" | grep "\"group\":\"$1\"" | grep -c "\"status\":\"$2\""; }

# log_ms FILE PATTERN: the time (ms since the epoch) of the first log line matching PATTERN
# (the streamer's lines start with ts=YYYY-MM-DDTHH:MM:SS.mmmZ), or nothing.
log_ms() {
  local ts
  ts=$(grep -m1 -- "$2" "$1" 2>/dev/null | sed -n 's/^ts=\([^ ]*\).*/\1/p')
  [ -n "$ts" ] && date -d "$ts" +%s%3N
}

# nats_ms FILE PATTERN: the time (ms since the epoch, local time as nats-server writes it) of the
# first nats-server log line matching PATTERN ("[pid] YYYY/MM/DD HH:MM:SS.micros [INF] ..."), or nothing.
nats_ms() {
  local t
  t=$(grep -m1 -- "$2" "$1" 2>/dev/null | awk '{print $2 " " $3}')
  [ -n "$t" ] && date -d "$t" +%s%3N
}

# kill_all: every process the suite started (its trap on EXIT).
kill_all() {
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null
  done
  wait 2>/dev/null
}

# nginx_available: nginx and its RTMP module are installed.
NGINX_RTMP_MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
nginx_available() {
  command -v nginx >/dev/null && [ -f "$NGINX_RTMP_MODULE" ]
}

# start_nginx DIR PORT: an nginx-rtmp of our own (application "live", no recording) on 127.0.0.1:PORT,
# its config and logs in DIR; sets $nginx_pid. Returns 1 when it does not listen within 10 s.
start_nginx() {
  cat >"$1/nginx.conf" <<CONF
load_module $NGINX_RTMP_MODULE;
daemon off;
master_process off;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/nginx-error.log info;
events { worker_connections 64; }
rtmp {
  access_log $1/nginx-rtmp-access.log;
  server {
    listen 127.0.0.1:$2;
    chunk_size 4096;
    application live { live on; wait_key on; wait_video on; record off; }
  }
}
CONF
  nginx -c "$1/nginx.conf" -p "$1" -e "$1/nginx-error.log" >"$1/nginx.log" 2>&1 &
  nginx_pid=$!
  pids+=("$nginx_pid")
  if ! wait_listen "$2" 10; then
    kill "$nginx_pid" 2>/dev/null
    return 1
  fi
}

# decode_sdp SDP DIR TIMEOUT_S [PORT]: once SDP exists (the streamer writes it before its first
# frame), Debian's ffmpeg decodes the stream it describes in the background (progress in
# DIR/progress.txt, log in DIR/ffmpeg.log); sets $ffmpeg_pid. With -listen_timeout 4 ffmpeg gives
# up if no packet came 4 s after it opened the SDP, and ends by itself ~16 s (4 x 4 s, measured with
# ffmpeg 5.1) after the last packet, its decoder flushed and its final progress written: wait for
# $ffmpeg_pid rather than interrupting it (an interrupted ffmpeg leaves its last periodic count, up
# to half a second old, and cannot write its outputs). With PORT (the SDP's m= port) it returns only
# once ffmpeg has bound that UDP port (status 1 if not within 20 s), so a sender started afterwards
# loses nothing to ffmpeg's start-up.
decode_sdp() {
  local i
  for ((i = 0; i < 200; i++)); do
    [ -s "$1" ] && break
    sleep 0.05
  done
  timeout "$3" ffmpeg -hide_banner -nostdin -progress "$2/progress.txt" -protocol_whitelist file,udp,rtp \
    -listen_timeout 4 -i "$1" -f null - >"$2/ffmpeg.log" 2>&1 &
  ffmpeg_pid=$!
  pids+=("$ffmpeg_pid")
  [ -z "${4:-}" ] && return 0
  for ((i = 0; i < 400; i++)); do
    ss -Hulnp "sport = :$4" | grep -q "\"ffmpeg\"" && return 0
    sleep 0.05
  done
  return 1
}

# status_value LOG KEY: the value of KEY= in the streamer's last event=exit line's counters.
status_value() {
  grep -o "event=exit .*" "$1" | tail -1 | grep -o "$2=[0-9]*" | tail -1 | cut -d= -f2
}

# decoded_frames DIR: frames ffmpeg reported decoding (its last progress line), or nothing.
decoded_frames() {
  grep -o '^frame=[0-9]*' "$1/progress.txt" 2>/dev/null | tail -1 | cut -d= -f2
}
