package org.cvmmap.streamer.pipeline;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.ingest.IngestFrame;
import org.cvmmap.streamer.ingest.RawVideoFormat;
import org.cvmmap.streamer.media.Codec;
import org.cvmmap.streamer.media.StreamStats;
import org.cvmmap.streamer.util.RepeatedWarning;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.Caps;
import org.freedesktop.gstreamer.FlowReturn;
import org.freedesktop.gstreamer.elements.AppSrc;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The appsrc pusher of a stream whose frames come from the JVM (cv-mmap, the built-in producer): its
 * thread takes frames from the latest-frame {@link FrameQueue} and pushes them into the running
 * graph's {@code appsrc name=src} ({@code block=true max-buffers=1}: when the graph is slower than the
 * producer it blocks and the queue drops the oldest frame). On the way it renegotiates caps when the
 * producer's format changes, forces a keyframe on a producer reset (docs/specs/cvmmap-ipc.md §2),
 * drops frames smaller than the codec takes (counted invalid), notes each frame's capture time for
 * the hub, and at the end of input sends EOS into the graph. It stamps each frame's PTS itself (the
 * graph's running time at the push), so no JVM code runs on a streaming thread per frame.
 *
 * <p>The supervisor owns the graphs: it hands the running one over with {@link #activate}, takes it
 * back with {@link #detach} before stopping it and disposes its elements inside
 * {@link #whileNotPushing}, so a push never touches a disposed element. While no graph runs a frame
 * is held (the newest only) for the next one; before the first graph, frames stay in the queue's
 * start-up backlog.
 */
final class FramePusher {
    private static final Logger LOG = LogManager.getLogger(FramePusher.class);

    /** The running graph as the pusher sees it (the supervisor's). */
    interface Graph {
        /** Its number, increasing from 1. */
        long generation();

        /** Its {@code appsrc name=src}. */
        AppSrc src();

        /** The raw format its appsrc caps currently declare. */
        RawVideoFormat format();

        /** Records a caps renegotiation. */
        void format(RawVideoFormat f);

        /** Whether a requested rebuild is draining it (frames then wait for the next graph). */
        boolean draining();

        /** The graph's running time now, ns, or -1 while it has no clock yet (then appsrc stamps the frame). */
        long runningTimeNs();

        /**
         * One frame was accepted by its appsrc (pusher thread).
         *
         * @param frameId producer frame id
         * @param ptsNs   the PTS it was pushed with (running time), ns, or -1 when appsrc stamped it
         */
        void framePushed(long frameId, long ptsNs);
    }

    /** What the pusher tells the supervisor. */
    interface Listener {
        /**
         * The input ended (the producer finished, or {@code --ingest-max-frames} was reached); EOS has
         * been sent into the graph of that generation, or {@code generation} is -1 when no frame ever came.
         */
        void drained(long generation);

        /** The first usable frame's format is known ({@link #lastFormat()}): a first graph can be built. */
        void formatKnown();
    }

    private final RepeatedWarning tooSmallWarning = new RepeatedWarning(LOG);
    private final String key;
    private final Codec codec;
    private final int nominalFps;
    private final long maxFrames;
    private final FrameQueue queue;
    private final StreamStats stats;
    private final CaptureTimes captureTimes;
    private final Listener listener;
    private final ReentrantLock pushLock = new ReentrantLock();
    private final Thread thread;
    private volatile Graph active;
    private volatile RawVideoFormat lastFormat;
    private volatile boolean running = true;
    /** Set before EOS is sent at the end of input: an EOS after it is the normal end. */
    private volatile boolean inputFinished;
    /** Whether a graph has ever been handed over: before, frames wait in the queue's start-up backlog. */
    private volatile boolean everStarted;
    private IngestFrame held;

    /**
     * @param key         stream key (logs, thread name)
     * @param codec       the output codec: frames smaller than {@link Codec#minSide()} are dropped
     * @param nominalFps  frame rate declared in renegotiated caps, 0 = variable
     * @param maxFrames   frames to push before ending the input, 0 = no limit
     * @param queue       the latest-frame queue the ingest fills
     * @param stats       the stream's counters (pushed, invalid, dropped)
     * @param captureTimes where each pushed frame's capture time is noted
     * @param listener    told when the input ends
     */
    FramePusher(String key, Codec codec, int nominalFps, long maxFrames, FrameQueue queue, StreamStats stats,
                CaptureTimes captureTimes, Listener listener) {
        this.key = key;
        this.codec = codec;
        this.nominalFps = nominalFps;
        this.maxFrames = maxFrames;
        this.queue = queue;
        this.stats = stats;
        this.captureTimes = captureTimes;
        this.listener = listener;
        this.thread = new Thread(this::loop, "pusher-" + key);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** The format of the newest frame seen, or null before the first usable one. */
    RawVideoFormat lastFormat() {
        return lastFormat;
    }

    /** Whether the end of input has been reached and EOS sent. */
    boolean inputFinished() {
        return inputFinished;
    }

    /** Hands over a graph that reached PLAYING: frames go into it from now on. */
    void activate(Graph g) {
        active = g;
        everStarted = true;
    }

    /** Takes a graph back before it is stopped: frames wait for the next one. */
    void detach(Graph g) {
        if (active == g) {
            active = null;
        }
    }

    /** Runs {@code r} (disposing a graph's elements) while no push is under way. */
    void whileNotPushing(Runnable r) {
        pushLock.lock();
        try {
            r.run();
        } finally {
            pushLock.unlock();
        }
    }

    /**
     * Stops the thread (a push blocked in appsrc must have been released by stopping its graph first)
     * and frees every frame still held or queued.
     */
    void stop() {
        running = false;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (held != null) {
                held.buffer().discard();
                held = null;
            }
        }
        queue.clear();
    }

    private void loop() {
        boolean drainedSent = false;
        while (running) {
            IngestFrame f;
            synchronized (this) {
                f = held;
                held = null;
            }
            Graph a = active;
            if (f == null && a == null && !everStarted) {
                // Before the first graph: frames stay queued (the start-up backlog) and are pushed
                // in order once it plays; the supervisor needs only the first one's format.
                IngestFrame head = queue.peek();
                if (head != null && !tooSmall(head.format())) {
                    setFormat(head.format());
                    sleepQuietly();
                    continue;
                }
            }
            if (f == null) {
                try {
                    f = queue.poll(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
            boolean limitReached = maxFrames > 0 && stats.framesPushed.get() >= maxFrames;
            if (f == null && !queue.isFinished() && !limitReached) {
                continue;
            }
            if (f == null || limitReached) {
                if (f != null) {
                    f.buffer().discard();
                }
                if (!drainedSent && a != null) {
                    drainedSent = true;
                    LOG.info("event=input_end key={} cause={}", key, limitReached ? "ingest_max_frames" : "producer_finished");
                    // Before the EOS: its bus message may reach the supervisor ahead of the drained call.
                    inputFinished = true;
                    listener.drained(a.generation());
                    pushLock.lock();
                    try {
                        if (a == active) { // a graph torn down meanwhile has had its wrappers disposed
                            a.src().endOfStream();
                        }
                    } finally {
                        pushLock.unlock();
                    }
                } else if (!drainedSent && lastFormat == null && queue.isFinished()) {
                    drainedSent = true;
                    listener.drained(-1);
                }
                sleepQuietly();
                continue;
            }
            if (tooSmall(f.format())) {
                int min = codec.minSide();
                // the encoder would refuse its caps: a frame, not a graph, is what fails
                f.buffer().discard();
                long n = stats.invalid.incrementAndGet();
                tooSmallWarning.warn("event=frame_invalid key={} frame_id={} format=\"{}\" invalid_total={} cause=\"{} "
                        + "encodes frames of at least {}x{}\"", key, f.frameId(), f.format(), n, codec.cliName(),
                        min, min);
                continue;
            }
            setFormat(f.format());
            if (a == null) {
                hold(f);
                sleepQuietly();
                continue;
            }
            push(a, f);
        }
    }

    private void setFormat(RawVideoFormat f) {
        boolean first = lastFormat == null;
        lastFormat = f;
        if (first) {
            listener.formatKnown(); // wakes the supervisor at once (it would otherwise notice within its poll)
        }
    }

    /** Smaller than the codec's encoder takes. */
    private boolean tooSmall(RawVideoFormat format) {
        int min = codec.minSide();
        return format.width() < min || format.height() < min;
    }

    /** Keeps the newest frame for the next graph; a replaced one is dropped, its reset inherited. */
    private synchronized void hold(IngestFrame f) {
        if (held != null) {
            held.buffer().discard();
            stats.dropped.incrementAndGet();
            if (held.reset() && !f.reset()) {
                f = f.asReset();
            }
        }
        held = f;
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void push(Graph a, IngestFrame f) {
        FlowReturn ret;
        long pts;
        pushLock.lock();
        try {
            if (a != active || a.draining()) {
                hold(f);
                return;
            }
            if (!f.format().equals(a.format())) {
                LOG.info("event=caps_renegotiated key={} from={} to={}", key, a.format(), f.format());
                a.src().setCaps(new Caps(f.format().caps(nominalFps, 1)));
                a.format(f.format());
                stats.format(f.format().toString());
            }
            if (f.reset()) {
                boolean ok = ForceKeyUnit.request(a.src(), (int) stats.resets.get());
                LOG.info("event=keyframe_forced key={} frame_id={} accepted={} cause=producer_reset", key, f.frameId(), ok);
            }
            // The frame's PTS is the graph's running time now, set here rather than by appsrc
            // (do-timestamp fills only a missing one), so that its capture time is noted without a
            // pad probe calling into the JVM on the streaming thread for every frame.
            pts = a.runningTimeNs();
            Buffer b = ((GstFrameBuffer) f.buffer()).release();
            b.setOffset(f.frameId()); // raw video: offset = frame number; lets observers map PTS to frame
            if (pts >= 0) {
                b.setPresentationTimestamp(pts);
                b.setDecodeTimestamp(pts);
                captureTimes.stamped(pts, f.timestampNs());
            }
            ret = a.src().pushBuffer(b); // takes ownership: b is never touched again
        } finally {
            pushLock.unlock();
        }
        if (ret != FlowReturn.OK) {
            LOG.debug("event=push_refused key={} flow={}", key, ret);
            return;
        }
        stats.framesPushed.incrementAndGet();
        a.framePushed(f.frameId(), pts);
    }
}
