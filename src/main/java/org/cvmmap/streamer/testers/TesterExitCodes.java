package org.cvmmap.streamer.testers;

/**
 * Exit codes of the testers ({@code rtp-receiver-tester}, {@code rtmp-stub-tester},
 * {@code flv-check}, {@code bench-latency}), the original streamer's tester contract
 * (docs/specs/streamer.md §10). One meaning per constant.
 */
public final class TesterExitCodes {
    /** The stream met every check. */
    public static final int OK = 0;
    /** Invalid arguments (flag parsing). */
    public static final int USAGE = 1;
    /** Invalid configuration (bad value, unreadable file). */
    public static final int CONFIG = 2;
    /** RTP payload type other than the expected one. */
    public static final int PT_MISMATCH = 3;
    /** Fewer packets or frames than the threshold, or the publisher closed early. */
    public static final int THRESHOLD = 4;
    /** RTMP/FLV video packaging other than the mode expects (legacy vs Enhanced RTMP). */
    public static final int MODE_MISMATCH = 6;
    /** Protocol validation error: malformed or out-of-order messages or tags. */
    public static final int PROTOCOL = 7;
    /** Nothing arrived in time. */
    public static final int TIMEOUT = 124;

    private TesterExitCodes() {
    }
}
