package org.cvmmap.streamer.media;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts of latencies in fixed buckets (seconds: {@link #BOUNDS_S}, then +Inf), with their sum: what a
 * Prometheus classic histogram exposes. Lock-free; {@link #record} is cheap enough for every frame.
 */
public final class LatencyHistogram {
    /** Upper bounds of the finite buckets, s (a last bucket, +Inf, holds the rest). */
    public static final double[] BOUNDS_S = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5};
    private final AtomicLongArray counts = new AtomicLongArray(BOUNDS_S.length + 1);
    private final AtomicLong sumNs = new AtomicLong();

    /**
     * Counts one latency.
     *
     * @param ns the latency, ns; a negative one is not counted
     */
    public void record(long ns) {
        if (ns < 0) {
            return;
        }
        double s = ns / 1e9;
        int i = 0;
        while (i < BOUNDS_S.length && s > BOUNDS_S[i]) {
            i++;
        }
        counts.incrementAndGet(i);
        sumNs.addAndGet(ns);
    }

    /** Per bucket (not cumulative), the finite ones in the order of {@link #BOUNDS_S}, then +Inf. */
    public long[] counts() {
        long[] c = new long[counts.length()];
        for (int i = 0; i < c.length; i++) {
            c[i] = counts.get(i);
        }
        return c;
    }

    /** Sum of every counted latency, s. */
    public double sumSeconds() {
        return sumNs.get() / 1e9;
    }
}
