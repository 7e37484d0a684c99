#!/bin/sh
# Element test: cuframespacketsink in one gst-launch-1.0 process, cuframespacketsrc in another,
# for H.264 (the reader subscribes through the handshake socket) and H.265 (the reader looks in
# another runtime dir, finds no socket and opens the ring directly), then a publisher killed with
# SIGKILL mid-stream: the subscribed reader must fail with "went away", not hang. The reader starts first (it waits for the publisher; the publisher starts when
# the reader's log says so), the publisher runs live at 30 fps, the reader decodes every access
# unit and writes raw I420 frames; the frame count must equal what the publisher encoded (90), and
# nothing may be left in /dev/shm. Needs OUT = the folder holding libgstcuframes.so.
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
fail=0
for e in cuframespacketsink cuframespacketsrc cuframessink cuframessrc; do
  if gst-inspect-1.0 "$e" >/dev/null 2>&1; then echo "ok   gst-inspect $e"; else echo "FAIL gst-inspect $e"; fail=1; fi
done
frames=90
w=320
h=240
for codec in h264 h265; do
  key="test-elements-$codec-$$"
  enc="x264enc tune=zerolatency key-int-max=30 speed-preset=ultrafast"
  [ "$codec" = h265 ] && enc="x265enc tune=zerolatency key-int-max=30 speed-preset=ultrafast"
  src_dir="$tmp/run"
  expect="subscribed through $tmp/run/$key.sock"
  if [ "$codec" = h265 ]; then
    src_dir="$tmp/elsewhere"
    expect="opened /dev/shm/cuframes-$key-packets directly"
  fi
  GST_DEBUG=cuframespacketsrc:4 GST_DEBUG_NO_COLOR=1 gst-launch-1.0 -q cuframespacketsrc key="$key" timeout-ms=15000 runtime-dir="$src_dir" ! "${codec}parse" ! "avdec_$codec" \
    ! video/x-raw,format=I420 ! filesink location="$tmp/$codec.i420" >"$tmp/$codec-src.log" 2>&1 &
  reader=$!
  # Start publishing once the reader reports it is waiting for the ring (its INFO log line).
  await_log "$tmp/$codec-src.log" "waiting up to" 150
  gst-launch-1.0 -q videotestsrc is-live=true num-buffers=$frames pattern=ball ! video/x-raw,width=$w,height=$h,framerate=30/1,format=I420 \
    ! $enc ! "${codec}parse" config-interval=-1 ! "video/x-$codec,stream-format=byte-stream,alignment=au" \
    ! cuframespacketsink key="$key" runtime-dir="$tmp/run" >"$tmp/$codec-sink.log" 2>&1
  sink_rc=$?
  # The reader ends on the publisher's shutdown (EOS); give it 20 s at most.
  reap "$reader" 200
  src_rc=$?
  if [ $src_rc -eq 124 ]; then
    echo "FAIL $codec: reader did not reach EOS"
    fail=1
  fi
  bytes=$(stat -c %s "$tmp/$codec.i420" 2>/dev/null || echo 0)
  decoded=$((bytes / (w * h * 3 / 2)))
  left=$(ls /dev/shm | grep -c "cuframes-$key" || true)
  path_ok=0
  grep -q "$expect" "$tmp/$codec-src.log" && path_ok=1
  if [ "$sink_rc" -eq 0 ] && [ "$src_rc" -eq 0 ] && [ "$decoded" -eq "$frames" ] && [ "$left" -eq 0 ] && [ $path_ok -eq 1 ] \
      && [ ! -e "$tmp/run/$key.sock" ]; then
    echo "ok   elements_$codec: $decoded of $frames frames decoded across processes ($expect)"
  else
    echo "FAIL elements_$codec: sink exit $sink_rc, src exit $src_rc, decoded $decoded of $frames, left in /dev/shm $left, log has '$expect': $path_ok"
    cat "$tmp/$codec-sink.log" "$tmp/$codec-src.log" | tail -20
    fail=1
  fi
done

# A publisher killed mid-stream: the subscriber sees its socket close without a shutdown flag.
key="test-elements-kill-$$"
gst-launch-1.0 -q videotestsrc is-live=true pattern=ball ! video/x-raw,width=$w,height=$h,framerate=30/1 \
  ! x264enc tune=zerolatency key-int-max=30 speed-preset=ultrafast ! h264parse ! video/x-h264,stream-format=byte-stream,alignment=au \
  ! cuframespacketsink key="$key" runtime-dir="$tmp/run" >"$tmp/kill-sink.log" 2>&1 &
sink=$!
GST_DEBUG=cuframespacketsrc:4 GST_DEBUG_NO_COLOR=1 gst-launch-1.0 -v cuframespacketsrc key="$key" runtime-dir="$tmp/run" ! h264parse \
  ! identity silent=false ! fakesink >"$tmp/kill-src.log" 2>&1 &
reader=$!
await_log "$tmp/kill-src.log" chain 100 10
kill -KILL "$sink"
wait "$sink" 2>/dev/null
reap "$reader" 100
src_rc=$?
if [ $src_rc -eq 124 ]; then
  echo "FAIL publisher_killed: the reader did not stop"
  fail=1
elif [ "$src_rc" -ne 0 ] && grep -q "went away without shutting down" "$tmp/kill-src.log"; then
  echo "ok   publisher_killed: reader failed with 'went away without shutting down' (exit $src_rc)"
else
  echo "FAIL publisher_killed: reader exit $src_rc"
  tail -5 "$tmp/kill-src.log"
  fail=1
fi
rm -f "/dev/shm/cuframes-$key-packets" # the killed publisher's; a new one would replace it (stale pid)

# Timestamps come from the ring's pts_ns, not from arrival: a publisher that is not live writes 60
# access units 33.3 ms apart on its clock in a burst; the reader's PTS must keep that spacing
# (last - first = (n - 1) x 33.3 ms: 1966 ms for all 60), where arrival times would span a few ms.
# A reader whose subscription completes after the burst began starts at the next keyframe (frame
# 30; seen in CI on 2 busy cores): at least that GOP must come, with the publisher's spacing.
key="test-elements-pts-$$"
GST_DEBUG=cuframespacketsrc:4 GST_DEBUG_NO_COLOR=1 gst-launch-1.0 -v cuframespacketsrc key="$key" timeout-ms=15000 \
  runtime-dir="$tmp/run" ! fakesink silent=false sync=false >"$tmp/pts-src.log" 2>&1 &
reader=$!
await_log "$tmp/pts-src.log" "waiting up to" 150
gst-launch-1.0 -q videotestsrc num-buffers=60 ! video/x-raw,width=160,height=120,framerate=30/1 \
  ! x264enc tune=zerolatency key-int-max=30 speed-preset=ultrafast ! h264parse ! video/x-h264,stream-format=byte-stream,alignment=au \
  ! cuframespacketsink key="$key" runtime-dir="$tmp/run" >"$tmp/pts-sink.log" 2>&1
reap "$reader" 200
# fakesink's "chain" lines: pts: H:MM:SS.NNNNNNNNN → ms
grep -o 'chain.*pts: [0-9:.]*' "$tmp/pts-src.log" | sed 's/.*pts: //' \
  | awk -F: '{ printf "%d\n", ($1 * 3600 + $2 * 60 + $3) * 1000 }' >"$tmp/pts-ms.txt"
n=$(wc -l <"$tmp/pts-ms.txt")
span=$(awk 'NR == 1 { f = $1 } { l = $1 } END { print l - f }' "$tmp/pts-ms.txt")
want=$(( (n - 1) * 1000 / 30 ))
if [ "$n" -ge 30 ] && [ "$span" -ge $((want - 15)) ] && [ "$span" -le $((want + 15)) ]; then
  echo "ok   pts_from_ring: $n access units read in a burst span $span ms of PTS (the publisher's $((n - 1)) x 33.3 ms = $want)"
else
  echo "FAIL pts_from_ring: $n access units, PTS span $span ms (want >= 30 and (n - 1) x 33.3 ms = $want)"
  tail -5 "$tmp/pts-src.log"
  fail=1
fi
rm -rf "$tmp"
exit $fail
