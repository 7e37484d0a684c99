package org.cvmmap.streamer.record;

/** A recording request that cannot be carried out; {@link #kind()} says whose fault it is. */
public final class RecorderException extends Exception {
    /** Why the request failed. */
    public enum Kind {
        /** The request itself is wrong (empty path, option of another format). */
        INVALID,
        /** A valid option this recorder does not implement (e.g. MCAP compression "zstd"). */
        UNSUPPORTED,
        /** The request is valid but cannot be done now (already recording, path not writable). */
        FAILED,
        /** This streamer does not allow it (recording over the network without a record dir). */
        FORBIDDEN
    }

    private final Kind kind;

    public RecorderException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    /** Why the request failed. */
    public Kind kind() {
        return kind;
    }
}
