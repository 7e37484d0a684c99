#!/usr/bin/env python3
"""Torn-read oracle for the fault suite. Reads raw 8-bit grey pictures (WIDTH x HEIGHT bytes each)
from stdin, as `ffmpeg -i REC -fps_mode passthrough -f rawvideo -pix_fmt gray -` writes them from a
recording of `cvmmap-streamer dummy-producer --pattern levels`: every source frame shows its
frame_id (mod 1296) as 4 vertical blocks of grey, one base-6 digit each (grey 16 + 40 * digit),
every row alike.

Each band of 8 rows is read back as an id (the inner pixels of each block, nearest digit). A picture
is pure when every band shows the same id; a picture showing two ids mixes two source frames. A mixed
picture is explained when its ids are consecutive frames N, N+1 and the producer reported frame N+1's
payload write as stalled (STALLED: its `stalled_writes=` list): a writer paused mid-payload before the
metadata changes, the tear no reader of the cv-mmap protocol can detect (docs/fault-suite.md).

Prints `torn-check pictures=P pure=Q mixed=M explained=E unexplained=U first_unexplained=...` and
exits 0 when no mixed picture is unexplained and at least MIN_PICTURES were read, 1 otherwise.

usage: torn-check.py WIDTH HEIGHT MIN_PICTURES [STALLED]   (STALLED: comma-separated frame ids or -)
"""
import sys

DIGITS, IDS, BAND = 4, 1296, 8


def band_id(pic, w, y0):
    """The id band y0..y0+7 shows, or None when a block's grey is not near any digit."""
    value = 0
    for d in range(DIGITS):
        x0, x1 = d * w // DIGITS + 6, (d + 1) * w // DIGITS - 6
        total = 0
        for y in range(y0 + 2, y0 + BAND - 2):
            total += sum(pic[y * w + x0:y * w + x1])
        mean = total / ((BAND - 4) * (x1 - x0))
        digit = min(5, max(0, round((mean - 16) / 40)))
        if abs(mean - (16 + 40 * digit)) > 14:
            return None
        value = value * 6 + digit
    return value


def main():
    w, h, need = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    stalled = set()
    if len(sys.argv) > 4 and sys.argv[4] not in ("", "-"):
        stalled = {int(i) % IDS for i in sys.argv[4].split(",")}
    size = w * h
    src = sys.stdin.buffer
    pictures = pure = mixed = explained = 0
    unexplained = []
    while True:
        pic = src.read(size)
        if len(pic) < size:
            break
        ids = []
        for y0 in range(0, h - BAND + 1, BAND):
            i = band_id(pic, w, y0)
            if not ids or ids[-1] != i:
                ids.append(i)
        if len(ids) == 1 and ids[0] is not None:
            pure += 1
        else:
            mixed += 1
            # the band the tear runs through reads as no id: skip one such band between two ids
            known = [i for i in ids if i is not None]
            tear = (len(known) == 2 and ids[0] is not None and ids[-1] is not None and len(ids) <= 3
                    and (known[0] - known[1]) % IDS in (1, IDS - 1))
            newer = max(known, key=lambda i: (i - min(known)) % IDS) if tear else None
            if tear and newer in stalled:
                explained += 1
            elif len(unexplained) < 10:
                unexplained.append("%d:%s" % (pictures, "/".join("?" if i is None else str(i) for i in ids)))
            else:
                unexplained.append("")
        pictures += 1
    print("torn-check pictures=%d pure=%d mixed=%d explained=%d unexplained=%d first_unexplained=%s"
          % (pictures, pure, mixed, explained, len(unexplained), ",".join(u for u in unexplained if u) or "-"))
    return 0 if not unexplained and pictures >= need else 1


if __name__ == "__main__":
    sys.exit(main())
