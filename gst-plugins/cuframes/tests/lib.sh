# Helpers of the element test scripts (sourced; POSIX sh). Sourcing it also checks that OUT names
# the build folder holding libgstcuframes.so and puts that folder first on GST_PLUGIN_PATH.

: "${OUT:?OUT must name the build folder}"
export GST_PLUGIN_PATH="$OUT${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"

# await_log FILE PATTERN TENTHS [COUNT]: waits until FILE has COUNT (default 1) lines matching
# PATTERN, at most TENTHS tenths of a second. Returns 1 if they did not come.
await_log() {
  _n=0
  while _c=$(grep -c "$2" "$1" 2>/dev/null); [ "${_c:-0}" -lt "${4:-1}" ]; do
    [ $_n -ge "$3" ] && return 1
    sleep 0.1
    _n=$((_n + 1))
  done
  return 0
}

# reap PID TENTHS: waits for PID (a child) to exit, at most TENTHS tenths of a second, then kills it.
# Returns its exit status, or 124 when it had to be killed.
reap() {
  _n=0
  while kill -0 "$1" 2>/dev/null && [ $_n -lt "$2" ]; do
    sleep 0.1
    _n=$((_n + 1))
  done
  if kill -0 "$1" 2>/dev/null; then
    kill "$1"
    wait "$1"
    return 124
  fi
  wait "$1"
}
