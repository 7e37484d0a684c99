package org.cvmmap.streamer.util;

import java.time.Instant;

/** Wall-clock time at ns resolution. */
public final class WallClock {
    private WallClock() {
    }

    /** Now, ns since the Unix epoch (UTC). */
    public static long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
