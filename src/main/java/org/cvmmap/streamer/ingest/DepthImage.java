package org.cvmmap.streamer.ingest;

/**
 * One frame's DEPTH plane as the producer gave it (docs/specs/cvmmap-ipc.md §1.5–§1.7: GRAY/F32), rows
 * packed without padding.
 *
 * @param timestampNs the frame's capture timestamp (the LEFT plane's), ns
 * @param width       pixels
 * @param height      rows
 * @param unit        the producer's depth_unit: 0 unknown, 1 millimetre, 2 metre
 * @param data        width×height 32-bit floats, little-endian, row-major (step = width·4 bytes)
 */
public record DepthImage(long timestampNs, int width, int height, int unit, byte[] data) {
    /** Bytes of one row. */
    public int stepBytes() {
        return width * Float.BYTES;
    }

    /** The ROS/foxglove encoding name of the pixels ({@code 32FC1}). */
    public String encoding() {
        return "32FC1";
    }
}
