package org.cvmmap.streamer.pipeline;

/**
 * Maps the PTS appsrc gave a frame back to the producer's capture timestamp, so that an encoded
 * access unit (which keeps its frame's PTS) can be stamped with when it was captured. Two small
 * rings: frame id → capture time (filled by the pusher), PTS → capture time (filled as frames
 * leave appsrc). Thread-safe; O({@value #SIZE}) lookups, used only while a recorder runs.
 */
final class CaptureTimes {
    static final int SIZE = 256;
    private final long[] frameIds = new long[SIZE];
    private final long[] frameCaptures = new long[SIZE];
    private final long[] pts = new long[SIZE];
    private final long[] ptsCaptures = new long[SIZE];
    private int nextFrame;
    private int nextPts;

    CaptureTimes() {
        java.util.Arrays.fill(frameIds, -1);
        java.util.Arrays.fill(pts, -1);
    }

    /** A frame is about to be pushed: its producer id and capture timestamp (ns). */
    synchronized void pushed(long frameId, long captureNs) {
        frameIds[nextFrame] = frameId;
        frameCaptures[nextFrame] = captureNs;
        nextFrame = (nextFrame + 1) % SIZE;
    }

    /** The frame with this id left appsrc with this PTS (ns). */
    synchronized void stamped(long frameId, long ptsNs) {
        for (int i = 0; i < SIZE; i++) {
            if (frameIds[i] == frameId) {
                pts[nextPts] = ptsNs;
                ptsCaptures[nextPts] = frameCaptures[i];
                nextPts = (nextPts + 1) % SIZE;
                return;
            }
        }
    }

    /** @return the capture timestamp of the frame pushed with this PTS, or -1 if unknown */
    synchronized long captureOf(long ptsNs) {
        for (int i = 0; i < SIZE; i++) {
            if (pts[i] == ptsNs && ptsNs >= 0) {
                return ptsCaptures[i];
            }
        }
        return -1;
    }
}
