package org.cvmmap.streamer.ingest;


/**
 * Shape of a packed raw video frame as GStreamer lays it out: {@code video/x-raw} format name,
 * width×height, and GStreamer's default stride (row bytes rounded up to 4).
 *
 * <p>Width and height are what is encoded: every encoder here works in 4:2:0 (I420/NV12), which has
 * no odd sizes, so a frame with an odd width or height is cropped by its last column or row when it
 * is copied out of shared memory (641×361 is encoded as 640×360). x264 refused odd sizes at init,
 * which made every such frame a pipeline error and a rebuild.
 *
 * @param gstFormat     GStreamer format (BGR, RGB, RGBA, BGRA, GRAY8, YUY2)
 * @param width         pixels encoded (even)
 * @param height        rows encoded (even)
 * @param bytesPerPixel bytes of one pixel
 */
public record RawVideoFormat(String gstFormat, int width, int height, int bytesPerPixel) {

    /**
     * Maps a cv-mmap pixel format; only U8 depth and formats with a GStreamer equivalent are accepted.
     *
     * @throws MetadataException naming the field when the format or depth cannot be encoded
     */
    public static RawVideoFormat of(PixelFormat format, Depth depth, int width, int height) {
        if (width < MIN_SIDE || height < MIN_SIDE) {
            throw new MetadataException(width < MIN_SIDE ? "plane[0].width" : "plane[0].height",
                    width < MIN_SIDE ? width : height, "too small to encode (at least " + MIN_SIDE + "×" + MIN_SIDE + ")");
        }
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
        return new RawVideoFormat(format.gstFormat(), width & ~1, height & ~1, format.channels());
    }

    /** Smallest width and height a frame may have, pixels (4:2:0 needs 2×2). */
    public static final int MIN_SIDE = 2;

    /** Whether the source's width×height was cropped to this even size. */
    public static boolean cropped(int sourceWidth, int sourceHeight) {
        return ((sourceWidth | sourceHeight) & 1) != 0;
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
