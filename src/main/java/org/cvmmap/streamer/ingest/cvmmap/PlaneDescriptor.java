package org.cvmmap.streamer.ingest.cvmmap;

import org.cvmmap.streamer.ingest.Depth;

import org.cvmmap.streamer.ingest.PixelFormat;

/**
 * One image plane inside the SHM payload (docs/specs/cvmmap-ipc.md §1.5).
 *
 * @param type        slot type
 * @param pixelFormat pixel format
 * @param depth       channel depth
 * @param width       pixels
 * @param height      rows
 * @param strideBytes bytes per row
 * @param offsetBytes offset from the payload start (SHM offset 256), bytes
 * @param sizeBytes   plane size, bytes
 */
public record PlaneDescriptor(PlaneType type, PixelFormat pixelFormat, Depth depth, int width, int height,
                              long strideBytes, long offsetBytes, long sizeBytes) {

    /** Bytes of one row's pixels without padding: width × channels × bytes(depth). */
    public long rowBytes() {
        return (long) width * pixelFormat.channels() * depth.bytes();
    }

    /** True when the shape (format, depth, width×height, stride) equals the other's; offsets are ignored. */
    public boolean sameShape(PlaneDescriptor o) {
        return o != null && type == o.type && pixelFormat == o.pixelFormat && depth == o.depth
                && width == o.width && height == o.height && strideBytes == o.strideBytes;
    }
}
