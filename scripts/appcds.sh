#!/usr/bin/env bash
# Makes target/cvmmap-streamer.jsa, an application class-data sharing archive (JDK 17 AppCDS,
# -XX:ArchiveClassesAtExit) of the classes a short run of the built jar loads: the launcher
# (bin/cvmmap-streamer) maps it at start, which cuts process start -> first RTP packet by about a
# third (docs/benchmarks.md). Run by `mvn package` after the jar is shaded; never fails the build:
# without GStreamer (or anything else the training run needs) there is simply no archive, and the
# launcher starts without one. A jar rebuilt after the archive makes the JVM ignore the archive.
# Usage: scripts/appcds.sh [JAR JSA] (the container image makes its own with its JVM: Containerfile).
set -u
if [ $# -ge 2 ]; then
  jar="$1"
  jsa="$2"
else
  cd "$(dirname "$0")/.."
  jar=target/cvmmap-streamer.jar
  jsa=target/cvmmap-streamer.jsa
fi
trainlog="${jsa%.jsa}-train.log"
rm -f "$jsa"
[ -f "$jar" ] || { echo "appcds: $jar not built: no archive" >&2; exit 0; }
label="appcds-train-$$"
# the training run: the built-in producer, x264, RTP to a discard port, NATS tried (jnats loaded)
# against a port nothing listens on
if timeout 60 java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:ArchiveClassesAtExit="$jsa" -jar "$jar" \
    --input-mode dummy --dummy-label "$label" --dummy-width 320 --dummy-height 240 --dummy-frames 45 \
    --codec h264 --rtp --rtp-endpoint 127.0.0.1:9 --nats-url nats://127.0.0.1:1 --status-interval-ms 0 \
    >"$trainlog" 2>&1; then
  echo "appcds: $jsa ($(du -h "$jsa" | cut -f1))"
else
  rm -f "$jsa"
  echo "appcds: training run failed (see $trainlog): no archive; its last lines:" >&2
  tail -n 5 "$trainlog" >&2
fi
rm -f "/dev/shm/cvmmap_$label" "/tmp/cvmmap_$label"
exit 0
