#!/usr/bin/env bash
# Installs every Debian 12 package cvmmap-streamer needs to build, run and test. Idempotent: only
# missing packages are installed, so a second run costs a few dpkg queries.
#   GStreamer 1.22 (base/good/bad/ugly/libav + gstreamer1.0-x for timeoverlay), dev headers for the
#   native plugin, libzmq (the real ipc:// transport), FFmpeg (ffprobe/ffmpeg as independent RTP
#   receivers), nats-server, JDK 17, Maven, gcc/make/pkg-config.
set -euo pipefail

PACKAGES=(
  openjdk-17-jdk-headless maven gcc make pkg-config
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-x
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  libzmq5 libzmq3-dev ffmpeg nats-server
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
