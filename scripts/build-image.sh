#!/usr/bin/env bash
# Builds the runtime image localhost/cvmmap-streamer:latest from the Containerfile (podman, or docker
# where podman is not installed; scripts/container-engine.sh).
#   scripts/build-image.sh                # FROM debian:12 (a registry must be reachable)
#   scripts/build-image.sh --local-base   # FROM an image made here from Debian's packages (mmdebstrap),
#                                         # for machines that reach no image registry
#   IMAGE=name:tag BASE=image scripts/build-image.sh   # another name / another base
# Builds the jar and the cuframes plugin first when they are missing (mvn package). Exit 0 on success,
# 5 when no engine or mmdebstrap is installed, else the engine's exit code.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE="${IMAGE:-localhost/cvmmap-streamer:latest}"
BASE="${BASE:-debian:12}"
LOCAL_BASE=localhost/debian:bookworm
if [ "${1:-}" = --local-base ]; then
  BASE="$LOCAL_BASE"
fi
# shellcheck source=scripts/container-engine.sh
. scripts/container-engine.sh

if [ ! -f target/cvmmap-streamer.jar ] || [ ! -f target/gst-plugins/libgstcuframes.so ]; then
  echo "build-image: building the jar and the cuframes plugin (mvn package)"
  mvn -B -ntp -q package -DskipTests
fi

if [ "$BASE" = "$LOCAL_BASE" ] && ! $ENGINE image exists "$LOCAL_BASE" 2>/dev/null \
    && ! $ENGINE image inspect "$LOCAL_BASE" >/dev/null 2>&1; then
  command -v mmdebstrap >/dev/null || { echo "build-image: --local-base needs mmdebstrap (apt-get install mmdebstrap)" >&2; exit 5; }
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "build-image: making $LOCAL_BASE from Debian's packages (mmdebstrap, ~30 s)"
  mmdebstrap --quiet --variant=minbase --include=ca-certificates bookworm "$tmp/rootfs.tar"
  $ENGINE import "$tmp/rootfs.tar" "$LOCAL_BASE" >/dev/null
fi

args=(build --network host --build-arg "BASE=$BASE" -t "$IMAGE" -f Containerfile)
# podman keeps HEALTHCHECK only in the docker image format
[ "$ENGINE" = podman ] && args+=(--format docker)
start=$(date +%s)
$ENGINE "${args[@]}" .
echo "build-image: $IMAGE built from $BASE with $ENGINE in $(( $(date +%s) - start )) s"
