package org.cvmmap.streamer.ingest.cvmmap;

import java.util.concurrent.TimeUnit;

import org.cvmmap.streamer.ingest.MetadataException;

import org.cvmmap.streamer.util.RepeatedWarning;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.ingest.FrameBuffer;
import org.cvmmap.streamer.ingest.IngestFrame;
import org.cvmmap.streamer.media.StreamStats;
import org.cvmmap.streamer.util.WallClock;

/**
 * The cv-mmap ingest thread: SUB to the producer's sync messages (libzmq, CONFLATE, 100 ms receive
 * timeout), and on each one a coherent read of the shared memory (see {@link ShmFrameReader}).
 * Coherent frames go to the listener; torn and invalid ones are counted and never passed on.
 */
public final class CvmmapIngest implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(CvmmapIngest.class);
    private final RepeatedWarning tornWarning = new RepeatedWarning(LOG);
    private final RepeatedWarning invalidWarning = new RepeatedWarning(LOG);
    private static final int RECEIVE_TIMEOUT_MS = 100;

    /** Receives what the ingest produces. Called on the ingest thread. */
    public interface Listener {
        /** A coherent frame; ownership of its buffer passes to the listener. */
        void onFrame(IngestFrame frame);

        /** The expected last frame was delivered (built-in producer finished). */
        void onEnded();

        /**
         * The ingest cannot go on.
         *
         * @param exitCode 3 shared-memory error, 4 subscriber error (docs/specs/streamer.md §10)
         */
        void onFatal(int exitCode, String message);
    }

    private final CvmmapTarget target;
    private final FrameBuffer.Factory factory;
    private final StreamStats stats;
    private final Listener listener;
    private final ShmFrameReader reader;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long endAfterFrame = -1;
    private volatile boolean resetRequested;

    /**
     * @param target   the producer
     * @param factory  allocates one destination buffer per frame
     * @param stats    counters to update
     * @param listener receives frames and terminal events
     */
    public CvmmapIngest(CvmmapTarget target, FrameBuffer.Factory factory, StreamStats stats, Listener listener) {
        this(target, IngestVerify.COMPARE, factory, stats, listener);
    }

    /**
     * @param target   the producer
     * @param verify   how a copied frame is judged coherent
     * @param factory  allocates one destination buffer per frame
     * @param stats    counters to update
     * @param listener receives frames and terminal events
     */
    public CvmmapIngest(CvmmapTarget target, IngestVerify verify, FrameBuffer.Factory factory,
                        StreamStats stats, Listener listener) {
        this.target = target;
        this.factory = factory;
        this.stats = stats;
        this.listener = listener;
        this.reader = new ShmFrameReader(target.shmName());
        this.reader.setVerify(verify);
        this.thread = new Thread(this::run, "ingest-" + target.instance());
        this.thread.setDaemon(true);
    }

    /** Exposes the reader (tests install a copy observer on it). */
    public ShmFrameReader reader() {
        return reader;
    }

    /** Starts the ingest thread. */
    public void start() {
        thread.start();
    }

    /**
     * Whether frames carry their DEPTH plane (see {@link ShmFrameReader#setWantDepth}); asked per frame.
     * Call before {@link #start()}.
     */
    public void wantDepth(java.util.function.BooleanSupplier want) {
        reader.setWantDepth(want);
    }

    /** Reports {@link Listener#onEnded()} once a frame with this id or later was delivered. */
    public void endAfterFrame(long frameId) {
        endAfterFrame = frameId;
    }

    /** Treat the next frame as a producer reset (remap, renegotiate, keyframe), e.g. on NATS STREAM_RESET. */
    public void requestReset() {
        resetRequested = true;
    }

    /** No frame yet this long after the start: one {@code input_waiting} line, ms. */
    static final long WAITING_FIRST_MS = 1_000;
    /** Then again every, ms. */
    static final long WAITING_EVERY_MS = 10_000;

    /**
     * Says what the stream waits for, naming the SHM object and the socket and whether each exists,
     * so that a user sees which producer (and which name) is missing.
     */
    private void logWaiting(String key, long startedNanos) {
        java.nio.file.Path shm = java.nio.file.Path.of("/dev/shm", target.shmName());
        java.nio.file.Path sock = java.nio.file.Path.of(target.ipcPath());
        LOG.info("event=input_waiting key={} shm={} shm_exists={} socket={} socket_exists={} waited_ms={} cause=\"no frame "
                        + "from the producer yet: is it running, under this name?\"", key, shm,
                java.nio.file.Files.exists(shm), sock, java.nio.file.Files.exists(sock),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
    }

    private void run() {
        String key = target.natsTargetKey();
        ZmqSocket sub;
        try {
            sub = ZmqSocket.subscriber(target.zmqAddress(), RECEIVE_TIMEOUT_MS);
        } catch (ZmqSocket.ZmqException e) {
            listener.onFatal(4, "cannot subscribe to " + target.zmqAddress() + ": " + e.getMessage());
            return;
        }
        LOG.info("event=ingest_started key={} shm=/dev/shm/{} zmq={} libzmq={}", key, target.shmName(),
                target.zmqAddress(), ZmqSocket.libraryVersion());
        byte[] buf = new byte[256];
        boolean waitingLogged = false;
        long started = System.nanoTime();
        long nextWaiting = started + TimeUnit.MILLISECONDS.toNanos(WAITING_FIRST_MS);
        try (sub) {
            while (running) {
                int n = sub.receive(buf);
                if (n < 0) {
                    if (stats.firstFrameNanos.get() == 0 && System.nanoTime() - nextWaiting >= 0) {
                        logWaiting(key, started);
                        nextWaiting = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAITING_EVERY_MS);
                    }
                    continue;
                }
                SyncMessage sync;
                try {
                    sync = SyncMessage.decode(buf, Math.min(n, buf.length));
                } catch (MetadataException e) {
                    countInvalid(key, "sync", e.getMessage());
                    continue;
                }
                if (!sync.label().equals(target.instance())) {
                    LOG.debug("event=sync_ignored key={} label={} cause=label_mismatch", key, sync.label());
                    continue;
                }
                if (resetRequested) {
                    resetRequested = false;
                    reader.requestReset();
                }
                ShmFrameReader.Result r;
                try {
                    r = reader.read(factory);
                } catch (ShmFrameReader.ShmException e) {
                    listener.onFatal(3, e.getMessage());
                    return;
                }
                switch (r.status()) {
                    case FRAME -> {
                        waitingLogged = false;
                        IngestFrame f = r.frame();
                        stats.framesIn.incrementAndGet();
                        stats.lastFrameNanos.set(f.readNanos());
                        long latency = WallClock.nowNanos() - f.timestampNs();
                        // only a producer clock on the Unix epoch gives a meaningful difference (< 1 h)
                        boolean meaningful = latency >= 0 && latency < 3_600_000_000_000L;
                        stats.ingestLatencyNs.set(meaningful ? latency : -1);
                        if (meaningful) {
                            stats.ingestLatency.record(latency);
                        }
                        if (stats.firstFrameNanos.compareAndSet(0, f.readNanos())) {
                            LOG.info("event=first_frame key={} frame_id={} format={}", key, f.frameId(), f.format());
                        }
                        if (f.reset()) {
                            stats.resets.incrementAndGet();
                            LOG.info("event=producer_reset key={} frame_id={} format={} cause=counter_backwards_or_new_object_or_new_shape",
                                    key, f.frameId(), f.format());
                        }
                        long end = endAfterFrame;
                        listener.onFrame(f);
                        if (end >= 0 && f.frameId() >= end) {
                            listener.onEnded();
                            return;
                        }
                    }
                    case TORN -> {
                        long t = stats.torn.incrementAndGet();
                        tornWarning.warn("event=frame_torn key={} torn_total={} cause=metadata_changed_during_copy", key, t);
                    }
                    case INVALID -> countInvalid(key, "metadata", r.error().getMessage());
                    case NO_OBJECT -> {
                        if (!waitingLogged) {
                            LOG.warn("event=shm_missing key={} shm=/dev/shm/{} cause=producer_not_running", key,
                                    target.shmName());
                            waitingLogged = true;
                        }
                    }
                    case DUPLICATE -> { }
                    default -> throw new IllegalStateException(r.status().toString());
                }
            }
        } catch (RuntimeException e) {
            LOG.error("event=ingest_failed key={} cause=\"{}\"", key, e.toString());
            LOG.debug("event=ingest_failed key={} stack", key, e); // stack traces only at debug
            listener.onFatal(4, "ingest failed: " + e);
        } finally {
            reader.close();
        }
    }

    private void countInvalid(String key, String what, String message) {
        long n = stats.invalid.incrementAndGet();
        invalidWarning.warn("event={}_invalid key={} invalid_total={} cause=\"{}\"", what, key, n, message);
    }

    /** Stops the thread (within the 100 ms receive timeout) and waits for it. */
    @Override
    public void close() {
        running = false;
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
