#!/usr/bin/env bash
# Installs every Debian 12 package cvmmap-streamer needs to build, run and test. Idempotent: only
# missing packages are installed, so a second run costs a few dpkg queries.
#   GStreamer 1.22 (base/good/bad/ugly/libav + gstreamer1.0-x for timeoverlay), dev headers for the
#   native plugin, libzmq (the real ipc:// transport), FFmpeg (ffprobe/ffmpeg as independent RTP
#   receivers), nats-server (the control-plane tests start their own), Node.js/npm (MCAP reader),
#   JDK 17, Maven, gcc/make/pkg-config, unzip and iproute2 (ss) for the scripts, openssl (the TLS tests
#   make their own CA and server certificates), nginx-light + libnginx-mod-rtmp (the RTMP relay the
#   interop rows publish to), python3 and procps (the fault suite's silent UDP receiver, pgrep),
#   prometheus (promtool and a real scraper for the metrics test), graphviz (pipeline pictures),
#   chromium (the status page's browser test), podman + runc + uidmap + mmdebstrap (the container
#   image: built from Debian's packages where no image registry is reachable, run by the container suite),
#   systemd (systemd-analyze verifies the example unit), asciidoctor + groff-base (man pages).
set -euo pipefail

PACKAGES=(
  openjdk-17-jdk-headless maven gcc make pkg-config
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-x
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  libzmq5 libzmq3-dev ffmpeg nats-server unzip iproute2 openssl nginx-light libnginx-mod-rtmp python3 procps
  prometheus graphviz chromium podman runc uidmap mmdebstrap systemd
  asciidoctor groff-base
)
# Node.js + npm run the MCAP reader peer (test-peers/); a machine that already has them (e.g. from
# NodeSource) keeps its own: Debian's npm would conflict with it.
if ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for p in "${PACKAGES[@]}"; do
  is_installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
echo "setup: installing ${missing[*]}"
# Debian starts nginx from its postinst where it can; the acceptance rows run their own instance.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
