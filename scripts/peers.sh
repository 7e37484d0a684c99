#!/usr/bin/env bash
# Installs the interop peers that Debian does not package (idempotent):
#   test-peers/node_modules/  @mcap/core + @mcap/nodejs (the MCAP project's own reader, pinned by
#             test-peers/package-lock.json) for test-peers/mcap-check.mjs, from the npm registry.
#   .cache/peers/ffmpeg8/  FFmpeg 8.0.1 ffmpeg + ffprobe executables and their libraries, from
#             org.bytedeco:ffmpeg:8.0.1-1.5.13:jar:linux-x86_64-gpl (Maven Central). Debian's
#             FFmpeg 5.1 reads neither Enhanced-RTMP hvc1 nor CodecID-12 HEVC; 8.0.1 reads both.
# Never fails the build: a peer that cannot be installed is reported, and the tests and the
# acceptance rows that need it are skipped (and say so).
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -d test-peers/node_modules/@mcap/core ] && [ -d test-peers/node_modules/@mcap/nodejs ]; then
  echo "peers: @mcap/core present (test-peers/node_modules)"
elif ! command -v npm >/dev/null 2>&1; then
  echo "peers: SKIP @mcap/core: npm not installed (apt-get install npm)" >&2
elif (cd test-peers && npm ci --no-audit --no-fund --loglevel=error >npm.log 2>&1); then
  echo "peers: @mcap/core installed in test-peers/node_modules"
else
  echo "peers: SKIP @mcap/core: npm ci failed (see test-peers/npm.log)" >&2
fi
dest=.cache/peers
ff=$dest/ffmpeg8
artifact=org.bytedeco:ffmpeg:8.0.1-1.5.13:jar:linux-x86_64-gpl
if [ -x "$ff/ffmpeg" ] && LD_LIBRARY_PATH="$ff" "$ff/ffmpeg" -hide_banner -version >/dev/null 2>&1; then
  echo "peers: ffmpeg8 present ($ff)"
  exit 0
fi
mkdir -p "$dest/jars" "$ff"
if ! mvn -B -ntp -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy -Dartifact="$artifact" -DoutputDirectory="$dest/jars" >"$dest/fetch.log" 2>&1; then
  echo "peers: SKIP ffmpeg8: cannot fetch $artifact (see $dest/fetch.log)" >&2
  exit 0
fi
jar="$dest/jars/ffmpeg-8.0.1-1.5.13-linux-x86_64-gpl.jar"
if ! unzip -q -o -j "$jar" 'org/bytedeco/ffmpeg/linux-x86_64-gpl/*' -x '*libjni*' -d "$ff"; then
  echo "peers: SKIP ffmpeg8: cannot unpack $jar" >&2
  exit 0
fi
chmod +x "$ff/ffmpeg" "$ff/ffprobe"
rm -f "$jar"
if LD_LIBRARY_PATH="$ff" "$ff/ffmpeg" -hide_banner -version | head -1; then
  echo "peers: ffmpeg8 installed in $ff"
else
  echo "peers: SKIP ffmpeg8: the executable does not run here" >&2
fi
exit 0
