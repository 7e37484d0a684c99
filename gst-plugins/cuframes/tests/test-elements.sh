#!/bin/sh
# Element test: cuframespacketsink in one gst-launch-1.0 process, cuframespacketsrc in another,
# for H.264 and H.265. The reader starts first (it waits for the publisher; the publisher starts when
# the reader's log says so), the publisher runs live at 30 fps, the reader decodes every access
# unit and writes raw I420 frames; the frame count must equal what the publisher encoded (90), and
# nothing may be left in /dev/shm. Needs OUT = the folder holding libgstcuframes.so.
set -u
: "${OUT:?OUT must name the build folder}"
export GST_PLUGIN_PATH="$OUT${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
tmp=$(mktemp -d)
fail=0
for e in cuframespacketsink cuframespacketsrc; do
  if gst-inspect-1.0 "$e" >/dev/null 2>&1; then echo "ok   gst-inspect $e"; else echo "FAIL gst-inspect $e"; fail=1; fi
done
frames=90
w=320
h=240
for codec in h264 h265; do
  key="test-elements-$codec-$$"
  enc="x264enc tune=zerolatency key-int-max=30 speed-preset=ultrafast"
  [ "$codec" = h265 ] && enc="x265enc tune=zerolatency key-int-max=30 speed-preset=ultrafast"
  GST_DEBUG=cuframespacketsrc:4 GST_DEBUG_NO_COLOR=1 gst-launch-1.0 -q cuframespacketsrc key="$key" timeout-ms=15000 ! "${codec}parse" ! "avdec_$codec" \
    ! video/x-raw,format=I420 ! filesink location="$tmp/$codec.i420" >"$tmp/$codec-src.log" 2>&1 &
  reader=$!
  # Start publishing once the reader reports it is waiting for the ring (its INFO log line).
  i=0
  while ! grep -q "waiting up to" "$tmp/$codec-src.log" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
  gst-launch-1.0 -q videotestsrc is-live=true num-buffers=$frames pattern=ball ! video/x-raw,width=$w,height=$h,framerate=30/1,format=I420 \
    ! $enc ! "${codec}parse" config-interval=-1 ! "video/x-$codec,stream-format=byte-stream,alignment=au" \
    ! cuframespacketsink key="$key" >"$tmp/$codec-sink.log" 2>&1
  sink_rc=$?
  # The reader ends on the publisher's shutdown (EOS); give it 20 s at most.
  i=0
  while kill -0 "$reader" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
  if kill -0 "$reader" 2>/dev/null; then
    kill "$reader"
    echo "FAIL $codec: reader did not reach EOS"
    fail=1
  fi
  wait "$reader"
  src_rc=$?
  bytes=$(stat -c %s "$tmp/$codec.i420" 2>/dev/null || echo 0)
  decoded=$((bytes / (w * h * 3 / 2)))
  left=$(ls /dev/shm | grep -c "cuframes-$key" || true)
  if [ "$sink_rc" -eq 0 ] && [ "$src_rc" -eq 0 ] && [ "$decoded" -eq "$frames" ] && [ "$left" -eq 0 ]; then
    echo "ok   elements_$codec: $decoded of $frames frames decoded across processes"
  else
    echo "FAIL elements_$codec: sink exit $sink_rc, src exit $src_rc, decoded $decoded of $frames, left in /dev/shm $left"
    cat "$tmp/$codec-sink.log" "$tmp/$codec-src.log" | tail -20
    fail=1
  fi
done
rm -rf "$tmp"
exit $fail
