package org.cvmmap.streamer.util;

/**
 * Exit codes of the streamer ({@code cvmmap-streamer} with stream flags, and {@code run}),
 * docs/specs/streamer.md §10. One meaning per constant; the testers have theirs
 * ({@code testers.TesterExitCodes}), {@code ctl} and {@code mcap-recover} theirs (in their commands).
 */
public final class ExitCodes {
    /** Success: end of input, {@code --ingest-max-frames} reached, or stopped by a signal. */
    public static final int OK = 0;
    /** Invalid arguments (flag parsing). */
    public static final int USAGE = 1;
    /** Invalid configuration: bad combination, out-of-range value, label too long, input error. */
    public static final int CONFIG = 2;
    /** Shared-memory error: the producer's SHM object cannot be mapped or read. */
    public static final int SHM = 3;
    /** Subscriber error: the ZeroMQ sync subscription cannot be made. */
    public static final int SUBSCRIBER = 4;
    /** Pipeline initialisation error: missing encoder, element or plugin. */
    public static final int PIPELINE_INIT = 5;
    /** Runtime error: restarts exhausted, or an unexpected failure. */
    public static final int RUNTIME = 6;
    /** Timeout: nothing came within {@code --ingest-idle-timeout-ms}. */
    public static final int TIMEOUT = 124;

    private ExitCodes() {
    }
}
