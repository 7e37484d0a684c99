#!/usr/bin/env bash
# The test command: installs what is missing, then builds and runs every test (unit, libzmq
# interop, GStreamer end to end with ffprobe/ffmpeg as receivers).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mvn -B -ntp verify "$@"
