package org.cvmmap.streamer.util;

/**
 * Bounded exponential back-off (docs/specs/streamer.md §7), one per thing that retries: the supervisor's
 * pipeline rebuilds and the RTMP client's reconnects. The first wait is {@code minMs}; each failure
 * doubles it up to {@code maxMs}; after a stable run ({@link #reset()}) it starts over at
 * {@code minMs}. Not thread-safe: used by the one thread that retries.
 */
public final class Backoff {
    private final long minMs;
    private final long maxMs;
    private long nextMs;

    /**
     * @param minMs first wait, ms (≥ 1)
     * @param maxMs longest wait, ms (≥ minMs)
     * @throws IllegalArgumentException naming the bound that is wrong
     */
    public Backoff(long minMs, long maxMs) {
        if (minMs < 1) {
            throw new IllegalArgumentException("backoff.min_ms=" + minMs + ": must be ≥ 1");
        }
        if (maxMs < minMs) {
            throw new IllegalArgumentException("backoff.max_ms=" + maxMs + ": must be ≥ min_ms " + minMs);
        }
        this.minMs = minMs;
        this.maxMs = maxMs;
        this.nextMs = minMs;
    }

    /** The wait before the next attempt, ms; the one after it doubles (capped). */
    public long next() {
        long wait = nextMs;
        nextMs = Math.min(maxMs, nextMs * 2);
        return wait;
    }

    /** The wait {@link #next()} will return, ms, without taking it. */
    public long peek() {
        return nextMs;
    }

    /** After a run that lasted: the next wait is the first one again. */
    public void reset() {
        nextMs = minMs;
    }
}
