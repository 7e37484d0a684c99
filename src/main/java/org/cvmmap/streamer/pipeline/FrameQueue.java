package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.ingest.IngestFrame;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Latest-frame queue between the ingest thread and the pusher (docs/specs/streamer.md §2): holds at most
 * {@code capacity} frames; offering into a full queue discards the <em>oldest</em> (its buffer is
 * freed) and counts it, so latency never accumulates under back-pressure. Closing lets the consumer
 * drain what is left and then see end of input.
 *
 * <p>Start-up: until the first graph has encoded and warmed up, it holds up to
 * {@value #STARTUP_FRAMES} frames ({@value #STARTUP_BYTES} bytes at most), so building the first
 * graph and its encoder's first frames cost no frame; {@value #STARTUP_DRAIN_MS} ms after
 * {@link #endStartup()} it returns to {@code capacity} (a backlog still beyond it is then dropped
 * and counted, as latest-frame semantics want).
 */
public final class FrameQueue {
    private final ArrayDeque<IngestFrame> frames = new ArrayDeque<>();
    private final int capacity;
    private final AtomicLong dropped;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private boolean closed;
    /** Frames a start-up backlog may hold, and its byte bound. */
    static final int STARTUP_FRAMES = 64;
    static final long STARTUP_BYTES = 256L << 20;
    /** How long the backlog is kept after {@link #endStartup()}, ms: the encoder's warm-up. */
    static final long STARTUP_DRAIN_MS = 2000;
    private final LongSupplier nanoClock;
    private boolean startup;
    private long startupEndsNanos = -1;

    /**
     * @param capacity frames held, ≥ 1
     * @param dropped  counter incremented per discarded frame
     */
    public FrameQueue(int capacity, AtomicLong dropped) {
        this(capacity, dropped, false);
    }

    FrameQueue(int capacity, AtomicLong dropped, boolean startupBacklog, LongSupplier nanoClock) {
        this.capacity = capacity;
        this.dropped = dropped;
        this.startup = startupBacklog;
        this.nanoClock = nanoClock;
    }

    private FrameQueue(int capacity, AtomicLong dropped, boolean startupBacklog) {
        this(capacity, dropped, startupBacklog, System::nanoTime);
    }

    /** A queue that starts with the start-up backlog (see the class comment), ended by {@link #endStartup()}. */
    public static FrameQueue withStartupBacklog(int capacity, AtomicLong dropped) {
        return new FrameQueue(capacity, dropped, true);
    }

    /**
     * Adds a frame, discarding the oldest when full. After {@link #close()} the frame is discarded.
     */
    public void offer(IngestFrame frame) {
        List<IngestFrame> evicted = new ArrayList<>(1);
        boolean rejected = false;
        lock.lock();
        try {
            if (closed) {
                rejected = true;
            } else {
                int limit = limit(frame);
                while (frames.size() >= limit) { // one, except when a start-up backlog is given up
                    evicted.add(frames.pollFirst());
                }
                frames.addLast(frame);
                notEmpty.signal();
            }
        } finally {
            lock.unlock();
        }
        if (rejected) {
            frame.buffer().discard();
            dropped.incrementAndGet();
        }
        for (IngestFrame e : evicted) {
            // A reset carried by an evicted frame must not be lost: the newer frame inherits it.
            if (e.reset() && !frame.reset()) {
                replaceNewest(frame);
            }
            e.buffer().discard();
            dropped.incrementAndGet();
        }
    }

    /** How many frames may be held now (under the lock). */
    private int limit(IngestFrame frame) {
        if (startup && startupEndsNanos >= 0 && nanoClock.getAsLong() - startupEndsNanos >= 0) {
            startup = false; // warmed up: latest-frame from now on
        }
        if (!startup) {
            return capacity;
        }
        long bytes = Math.max(1, frame.format().gstSize());
        return (int) Math.max(capacity, Math.min(STARTUP_FRAMES, STARTUP_BYTES / bytes));
    }

    /**
     * The first graph's encoder has produced its first access unit: the start-up backlog ends
     * {@value #STARTUP_DRAIN_MS} ms from now. Later calls change nothing.
     */
    public void endStartup() {
        lock.lock();
        try {
            if (startup && startupEndsNanos < 0) {
                startupEndsNanos = nanoClock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(STARTUP_DRAIN_MS);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The oldest frame without taking it, or null. */
    public IngestFrame peek() {
        lock.lock();
        try {
            return frames.peekFirst();
        } finally {
            lock.unlock();
        }
    }

    private void replaceNewest(IngestFrame frame) {
        lock.lock();
        try {
            if (frames.peekLast() == frame) {
                frames.pollLast();
                frames.addLast(frame.asReset());
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the oldest frame.
     *
     * @param timeoutMs how long to wait, ms
     * @return the frame, or null on timeout or when closed and empty
     * @throws InterruptedException if interrupted while waiting
     */
    public IngestFrame poll(long timeoutMs) throws InterruptedException {
        long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        lock.lock();
        try {
            while (frames.isEmpty()) {
                if (closed || nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            return frames.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    /** Frames held once start-up is over (--queue-size), ≥ 1. */
    public int capacity() {
        return capacity;
    }

    /** Frames queued now (during start-up this may exceed {@link #capacity()}). */
    public int depth() {
        lock.lock();
        try {
            return frames.size();
        } finally {
            lock.unlock();
        }
    }

    /** True once closed and drained. */
    public boolean isFinished() {
        lock.lock();
        try {
            return closed && frames.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** No more frames will be accepted; queued ones can still be taken. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Discards every queued frame (shutdown). */
    public void clear() {
        lock.lock();
        try {
            IngestFrame f;
            while ((f = frames.pollFirst()) != null) {
                f.buffer().discard();
            }
        } finally {
            lock.unlock();
        }
    }
}
