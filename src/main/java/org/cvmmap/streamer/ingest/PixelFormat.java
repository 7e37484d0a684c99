package org.cvmmap.streamer.ingest;

/**
 * cv-mmap pixel formats (docs/specs/cvmmap-ipc.md §1.6) and their GStreamer raw-video names.
 */
public enum PixelFormat {
    RGB(0, 3, "RGB"),
    BGR(1, 3, "BGR"),
    RGBA(2, 4, "RGBA"),
    BGRA(3, 4, "BGRA"),
    GRAY(4, 1, "GRAY8"),
    /** Packed 3-channel YUV of unspecified order: no unambiguous GStreamer format, so never encoded. */
    YUV(5, 3, null),
    YUYV(6, 2, "YUY2");

    private final int code;
    private final int channels;
    private final String gstFormat;

    PixelFormat(int code, int channels, String gstFormat) {
        this.code = code;
        this.channels = channels;
        this.gstFormat = gstFormat;
    }

    /** Wire code (u8). */
    public int code() {
        return code;
    }

    /** Channels implied by the format (v2 readers derive channels from it). */
    public int channels() {
        return channels;
    }

    /** GStreamer {@code video/x-raw} format name, or null when the format cannot be mapped. */
    public String gstFormat() {
        return gstFormat;
    }

    /**
     * @param code wire code
     * @return the format
     * @throws MetadataException if the code is unknown
     */
    public static PixelFormat of(int code, String field) {
        for (PixelFormat f : values()) {
            if (f.code == code) {
                return f;
            }
        }
        throw new MetadataException(field, code, "unknown pixel format code");
    }
}
