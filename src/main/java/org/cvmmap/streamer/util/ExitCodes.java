package org.cvmmap.streamer.util;

/** Process exit codes (docs/specs/streamer.md §10). */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** Invalid arguments (flag parsing). */
    public static final int USAGE = 1;
    /** Invalid configuration: bad combination, out-of-range value, label too long, input error. */
    public static final int CONFIG = 2;
    /** RTP payload type mismatch (tester) / shared-memory error (streamer). */
    public static final int PT_MISMATCH_OR_SHM = 3;
    /** Packet/frame threshold not met (tester) / subscriber error (streamer). */
    public static final int THRESHOLD_OR_SUBSCRIBER = 4;
    /** Pipeline initialisation error: missing encoder, element or plugin. */
    public static final int PIPELINE_INIT = 5;
    /** RTMP mode mismatch (tester) / runtime error (streamer). */
    public static final int RUNTIME = 6;
    /** Protocol validation error. */
    public static final int PROTOCOL = 7;
    /** Timeout. */
    public static final int TIMEOUT = 124;

    private ExitCodes() {
    }
}
