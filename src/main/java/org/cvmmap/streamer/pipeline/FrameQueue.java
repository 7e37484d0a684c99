package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.ingest.IngestFrame;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Latest-frame queue between the ingest thread and the pusher (streamer.md §2): holds at most
 * {@code capacity} frames; offering into a full queue discards the <em>oldest</em> (its buffer is
 * freed) and counts it, so latency never accumulates under back-pressure. Closing lets the consumer
 * drain what is left and then see end of input.
 */
public final class FrameQueue {
    private final ArrayDeque<IngestFrame> frames = new ArrayDeque<>();
    private final int capacity;
    private final AtomicLong dropped;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private boolean closed;

    /**
     * @param capacity frames held, ≥ 1
     * @param dropped  counter incremented per discarded frame
     */
    public FrameQueue(int capacity, AtomicLong dropped) {
        this.capacity = capacity;
        this.dropped = dropped;
    }

    /**
     * Adds a frame, discarding the oldest when full. After {@link #close()} the frame is discarded.
     */
    public void offer(IngestFrame frame) {
        IngestFrame evicted = null;
        boolean rejected = false;
        lock.lock();
        try {
            if (closed) {
                rejected = true;
            } else {
                if (frames.size() >= capacity) {
                    evicted = frames.pollFirst();
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
        if (evicted != null) {
            // A reset carried by the evicted frame must not be lost: the newer frame inherits it.
            if (evicted.reset() && !frame.reset()) {
                replaceNewest(frame, evicted);
            }
            evicted.buffer().discard();
            dropped.incrementAndGet();
        }
    }

    private void replaceNewest(IngestFrame frame, IngestFrame evicted) {
        lock.lock();
        try {
            if (frames.peekLast() == frame) {
                frames.pollLast();
                frames.addLast(new IngestFrame(frame.frameId(), frame.timestampNs(), frame.format(), frame.buffer(),
                        true, frame.readNanos()));
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
