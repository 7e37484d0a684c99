#!/bin/sh
# Frames elements (cuframessink / cuframessrc, CUDA IPC). Everywhere: both elements load without a
# driver and fail at start with a message that says CUDA is missing. Where libcuda.so.1 and a GPU
# exist: cuframessink in one gst-launch-1.0 process publishes 1,000 NV12 frames (videotestsrc, each
# frame different), cuframessrc mode=strict-order in another reads them; checksumsink prints one
# checksum per frame on both sides: every frame read must be one the publisher sent (no torn frame),
# in the publisher's order, all 1,000 of them. Needs OUT = the folder holding libgstcuframes.so.
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
fail=0
has_cuda=0
if [ -z "${CUFRAMES_LIBCUDA:-}" ] && { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q 'libcuda\.so\.1 ' \
    && command -v nvidia-smi >/dev/null \
    && nvidia-smi -L >/dev/null 2>&1; then
  has_cuda=1
fi

if [ $has_cuda -eq 0 ]; then
  # No driver: each element fails at start with a clear error naming CUDA and the library.
  for name in cuframessrc cuframessink; do
    if [ $name = cuframessrc ]; then
      gst-launch-1.0 cuframessrc key=nocuda runtime-dir="$tmp" ! fakesink >"$tmp/out" 2>&1
    else
      gst-launch-1.0 videotestsrc num-buffers=1 ! video/x-raw,format=NV12 ! cuframessink key=nocuda runtime-dir="$tmp" >"$tmp/out" 2>&1
    fi
    rc=$?
    if [ $rc -ne 0 ] && grep -q "CUDA is not available" "$tmp/out" && grep -q "libcuda.so.1 cannot be loaded" "$tmp/out"; then
      echo "ok   ${name}_without_driver: exit $rc, '$(grep -o 'CUDA is not available[^.]*' "$tmp/out" | head -1)'"
    else
      echo "FAIL ${name}_without_driver: exit $rc, no clear CUDA error"
      tail -5 "$tmp/out"
      fail=1
    fi
  done
  echo "skip cuda_frames_1000: no libcuda.so.1 / GPU on this machine (runs where nvidia-smi -L lists a GPU)"
  rm -rf "$tmp"
  exit $fail
fi

frames=1000
key="test-cuda-$$"
GST_DEBUG=cuframessrc:4 GST_DEBUG_NO_COLOR=1 gst-launch-1.0 -q cuframessrc key="$key" runtime-dir="$tmp/run" mode=strict-order timeout-ms=20000 \
  ! checksumsink hash=sha1 >"$tmp/read.txt" 2>"$tmp/src.log" &
reader=$!
await_log "$tmp/src.log" "waiting up to" 150
gst-launch-1.0 -q videotestsrc is-live=true num-buffers=$frames pattern=ball ! video/x-raw,format=NV12,width=640,height=480,framerate=120/1 \
  ! timeoverlay ! tee name=t t. ! queue ! cuframessink key="$key" runtime-dir="$tmp/run" ring=8 \
  t. ! queue ! checksumsink hash=sha1 >"$tmp/sent.txt" 2>"$tmp/sink.log"
sink_rc=$?
reap "$reader" 300
src_rc=$?
awk '{print $NF}' "$tmp/sent.txt" >"$tmp/sent.sum"
awk '{print $NF}' "$tmp/read.txt" >"$tmp/read.sum"
sent=$(wc -l <"$tmp/sent.sum")
read_n=$(wc -l <"$tmp/read.sum")
# Every frame read is one that was sent, in the sent order (a torn frame matches no checksum).
unknown=$(awk 'NR==FNR{idx[$1]=FNR; next} !($1 in idx){u++} ($1 in idx){ if (idx[$1] <= last) o++; last=idx[$1] } END{print u+0, o+0}' "$tmp/sent.sum" "$tmp/read.sum")
if [ "$sink_rc" -eq 0 ] && [ "$src_rc" -eq 0 ] && [ "$sent" -eq $frames ] && [ "$read_n" -eq $frames ] && [ "$unknown" = "0 0" ]; then
  echo "ok   cuda_frames_1000: $read_n of $sent frames read by checksum, none torn, in order"
else
  echo "FAIL cuda_frames_1000: sink exit $sink_rc, src exit $src_rc, sent $sent, read $read_n, torn/out-of-order $unknown"
  tail -5 "$tmp/sink.log" "$tmp/src.log"
  fail=1
fi
rm -rf "$tmp"
exit $fail
