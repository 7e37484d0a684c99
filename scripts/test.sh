#!/usr/bin/env bash
# The test command: installs what is missing (Debian packages, then the interop peers Debian does
# not package), builds and runs every test (unit, libzmq interop, GStreamer end to end with
# ffprobe/ffmpeg as receivers), then the acceptance suite (5 matrix rows + real-peer interop rows) and
# the fault suite (scripts/fault_suite.sh: 9 scenarios, ~5 min) and the container suite
# (scripts/container_test.sh: the image built with podman and run against a producer on the host,
# ~3 min), then parses every streamer log line they produced (scripts/check-logs.py).
# Extra arguments go to Maven (e.g. -Dtest=FlvTagsTest); ACCEPTANCE=0 / FAULT_SUITE=0 / CONTAINER=0
# skip the suites.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/peers.sh
mvn -B -ntp verify "$@"
if [ "${ACCEPTANCE:-1}" != 0 ]; then
  bash scripts/acceptance_standalone.sh
fi
if [ "${FAULT_SUITE:-1}" != 0 ]; then
  bash scripts/fault_suite.sh
fi
if [ "${CONTAINER:-1}" != 0 ]; then
  bash scripts/container_test.sh
fi
# every streamer log line the suites produced must parse (logfmt, or JSON for --log-format json)
if [ "${ACCEPTANCE:-1}" != 0 ] || [ "${FAULT_SUITE:-1}" != 0 ] || [ "${CONTAINER:-1}" != 0 ]; then
  python3 scripts/check-logs.py target/acceptance target/fault-suite target/container
fi
