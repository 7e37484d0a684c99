package org.cvmmap.streamer.ingest;

import org.cvmmap.streamer.ingest.cvmmap.Depth;
import org.cvmmap.streamer.ingest.cvmmap.MetadataException;
import org.cvmmap.streamer.ingest.cvmmap.PixelFormat;

/**
 * Shape of a packed raw video frame as GStreamer lays it out: {@code video/x-raw} format name,
 * width×height, and GStreamer's default stride (row bytes rounded up to 4).
 *
 * @param gstFormat     GStreamer format (BGR, RGB, RGBA, BGRA, GRAY8, YUY2)
 * @param width         pixels
 * @param height        rows
 * @param bytesPerPixel bytes of one pixel
 */
public record RawVideoFormat(String gstFormat, int width, int height, int bytesPerPixel) {

    /**
     * Maps a cv-mmap pixel format; only U8 depth and formats with a GStreamer equivalent are accepted.
     *
     * @throws MetadataException naming the field when the format or depth cannot be encoded
     */
    public static RawVideoFormat of(PixelFormat format, Depth depth, int width, int height) {
        if (depth != Depth.U8) {
            throw new MetadataException("plane[0].depth", depth, "only U8 frames can be encoded");
        }
        if (format.gstFormat() == null) {
            throw new MetadataException("plane[0].pixel_format", format,
                    "has no unambiguous GStreamer format (use BGR, RGB, RGBA, BGRA, GRAY or YUYV)");
        }
        if (format == PixelFormat.YUYV && (width & 1) != 0) {
            throw new MetadataException("plane[0].width", width, "YUYV needs an even width");
        }
        return new RawVideoFormat(format.gstFormat(), width, height, format.channels());
    }

    /** Bytes of one row of pixels, without padding. */
    public int rowBytes() {
        return width * bytesPerPixel;
    }

    /** GStreamer's default stride for packed formats: row bytes rounded up to a multiple of 4. */
    public int gstStride() {
        return (rowBytes() + 3) & ~3;
    }

    /** Size of one frame in GStreamer's layout, bytes: gstStride × height. */
    public int gstSize() {
        return gstStride() * height;
    }

    /**
     * Caps string for appsrc.
     *
     * @param fpsNum frame rate numerator (0 = variable/unknown)
     * @param fpsDen frame rate denominator
     */
    public String caps(int fpsNum, int fpsDen) {
        return "video/x-raw,format=" + gstFormat + ",width=" + width + ",height=" + height
                + ",framerate=" + fpsNum + "/" + fpsDen + ",pixel-aspect-ratio=1/1";
    }

    @Override
    public String toString() {
        return gstFormat + " " + width + "x" + height;
    }
}
