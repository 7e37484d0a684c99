#!/bin/sh
# Entrypoint of the cvmmap-streamer image. Three ways to start, in this order:
#   1. a command as the first argument (run, ctl, doctor, dummy-producer, config, …, or any program):
#      run as given;
#   2. a streams config mounted at $CVMMAP_CONFIG (default /etc/cvmmap-streamer/streams.yaml):
#      `cvmmap-streamer run --config FILE`, flags given to the container appended;
#   3. one stream from the environment: every streamer flag has its variable (--foo-bar ←
#      CVMMAP_FOO_BAR: CVMMAP_INPUT_URI, CVMMAP_CODEC, CVMMAP_RTP_ENDPOINT, CVMMAP_RTP_SDP,
#      CVMMAP_RECORD_MP4, …); CVMMAP_RTP_ENDPOINT turns RTP on, CVMMAP_RTMP_URL or
#      CVMMAP_RTMP_URL_FILE turns RTMP on.
# The streamer is exec'd (it is PID 1): SIGTERM from `docker stop` / `podman stop` / the kubelet ends
# every stream cleanly (EOS through the graphs, recordings finalized) and exits 0.
# Exit 2 here: neither a config nor CVMMAP_INPUT_URI (the streamer's own codes are in the README).
set -eu

CONFIG="${CVMMAP_CONFIG:-/etc/cvmmap-streamer/streams.yaml}"

if [ "$#" -gt 0 ] && [ "${1#-}" = "$1" ]; then
  if command -v "$1" >/dev/null 2>&1 && [ "$1" != cvmmap-streamer ]; then
    exec "$@"
  fi
  [ "$1" = cvmmap-streamer ] && shift
  exec cvmmap-streamer "$@"
fi

if [ -f "$CONFIG" ]; then
  exec cvmmap-streamer run --config "$CONFIG" "$@"
fi

if [ -z "${CVMMAP_INPUT_URI:-}" ]; then
  echo "docker-entrypoint: nothing to stream: mount a streams config at $CONFIG, or set CVMMAP_INPUT_URI" \
       "(e.g. cvmmap://camera0) with CVMMAP_RTP_ENDPOINT and/or CVMMAP_RTMP_URL; exit 2" >&2
  exit 2
fi
given=" $* "
if [ -n "${CVMMAP_RTP_ENDPOINT:-}" ] && [ "${given#* --rtp }" = "$given" ]; then
  set -- --rtp "$@"
fi
if [ -n "${CVMMAP_RTMP_URL:-}${CVMMAP_RTMP_URL_FILE:-}" ] && [ "${given#* --rtmp }" = "$given" ]; then
  set -- --rtmp "$@"
fi
exec cvmmap-streamer "$@"
