package org.cvmmap.streamer.ingest;

/**
 * One coherent frame read from a producer, ready to push.
 *
 * @param frameId     producer frame counter
 * @param timestampNs producer capture timestamp, ns
 * @param format      layout of {@code buffer}
 * @param buffer      committed pixels in GStreamer layout; ownership passes with the frame
 * @param reset       true when the producer restarted (counter backwards, new object, new shape):
 *                    the consumer renegotiates caps if the format changed and forces a keyframe
 * @param readNanos   {@link System#nanoTime()} when the copy finished
 * @param depth       the frame's DEPTH plane when the producer wrote one and it was asked for, else null
 */
public record IngestFrame(long frameId, long timestampNs, RawVideoFormat format, FrameBuffer buffer, boolean reset,
                          long readNanos, DepthImage depth) {
    /** A frame without depth. */
    public IngestFrame(long frameId, long timestampNs, RawVideoFormat format, FrameBuffer buffer, boolean reset,
                       long readNanos) {
        this(frameId, timestampNs, format, buffer, reset, readNanos, null);
    }

    /** The same frame marked as a reset (a producer restart). */
    public IngestFrame asReset() {
        return new IngestFrame(frameId, timestampNs, format, buffer, true, readNanos, depth);
    }
}
