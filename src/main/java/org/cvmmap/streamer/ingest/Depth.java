package org.cvmmap.streamer.ingest;

/** cv-mmap channel depth (docs/specs/cvmmap-ipc.md §1.6; OpenCV order except F16 = 7). */
public enum Depth {
    U8(0, 1), S8(1, 1), U16(2, 2), S16(3, 2), S32(4, 4), F32(5, 4), F64(6, 8), F16(7, 2);

    private final int code;
    private final int bytes;

    Depth(int code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }

    /** Wire code (u8). */
    public int code() {
        return code;
    }

    /** Bytes per channel. */
    public int bytes() {
        return bytes;
    }

    /**
     * @throws MetadataException if the code is unknown
     */
    public static Depth of(int code, String field) {
        for (Depth d : values()) {
            if (d.code == code) {
                return d;
            }
        }
        throw new MetadataException(field, code, "unknown depth code");
    }
}
