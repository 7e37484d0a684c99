package org.cvmmap.streamer.pipeline;

/**
 * Maps the PTS the pusher gave a frame back to the producer's capture timestamp, so that an encoded
 * access unit (which keeps its frame's PTS) can be stamped with when it was captured. One small ring
 * of the last {@value #SIZE} frames, filled by the pusher; thread-safe; O({@value #SIZE}) lookups, made
 * by the hub only while a reader wants access units.
 */
final class CaptureTimes {
    static final int SIZE = 256;
    private final long[] pts = new long[SIZE];
    private final long[] captures = new long[SIZE];
    private final long[] pushedNanos = new long[SIZE];
    private int next;

    CaptureTimes() {
        java.util.Arrays.fill(pts, -1);
    }

    /** A frame is pushed with this PTS (running time, ns); the producer captured it at {@code captureNs}. */
    synchronized void stamped(long ptsNs, long captureNs) {
        pts[next] = ptsNs;
        captures[next] = captureNs;
        pushedNanos[next] = System.nanoTime();
        next = (next + 1) % SIZE;
    }

    /** @return the capture timestamp of the frame pushed with this PTS, or -1 if unknown */
    synchronized long captureOf(long ptsNs) {
        int i = indexOf(ptsNs);
        return i < 0 ? -1 : captures[i];
    }

    /** @return {@link System#nanoTime()} when the frame with this PTS was pushed, or -1 if unknown */
    synchronized long pushedAt(long ptsNs) {
        int i = indexOf(ptsNs);
        return i < 0 ? -1 : pushedNanos[i];
    }

    private int indexOf(long ptsNs) {
        for (int i = 0; i < SIZE; i++) {
            if (pts[i] == ptsNs && ptsNs >= 0) {
                return i;
            }
        }
        return -1;
    }
}
