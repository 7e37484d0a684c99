package org.cvmmap.streamer.pipeline;

import org.cvmmap.streamer.media.Codec;

import org.cvmmap.streamer.media.StreamStats;


import org.cvmmap.streamer.util.RepeatedWarning;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.ingest.RawVideoFormat;
import org.cvmmap.streamer.util.Backoff;
import org.cvmmap.streamer.util.ExitCodes;
import org.cvmmap.streamer.util.Graphviz;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.Pad;
import org.freedesktop.gstreamer.glib.NativeObject;
import org.freedesktop.gstreamer.PadProbeReturn;
import org.freedesktop.gstreamer.PadProbeType;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.State;
import org.freedesktop.gstreamer.StateChangeReturn;
import org.freedesktop.gstreamer.elements.AppSrc;
import org.freedesktop.gstreamer.event.EOSEvent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Owns the pipeline lifecycle (docs/specs/streamer.md §7): asks the {@link PipelineBuilder} for a graph with
 * the encoder the {@link EncoderSelector} picks, brings it to PLAYING, watches its bus, falls back
 * from NVENC to software, rebuilds with bounded exponential back-off after errors, and ends it with
 * EOS. It never builds graphs itself.
 *
 * <p>Threads: {@link #run()} is the supervisor loop; the {@link FramePusher} thread moves frames from the
 * latest-frame {@link FrameQueue} into appsrc (renegotiating caps and forcing a keyframe on producer
 * resets); GStreamer's bus and pad-probe callbacks only post events. Exit codes: docs/specs/streamer.md §10.
 *
 * <p>A cuframes input has its source inside the graph ({@link Settings#sourceInGraph()}):
 * no pusher, the graph starts without waiting for a first frame, the publisher's shutdown (EOS) ends
 * the run with 0, and a graph error (publisher gone, none within the source's timeout, no CUDA) is
 * rebuilt with the same back-off. An already-encoded one ({@code cuframes-packets://},
 * {@link Settings#passthrough()}) also has no encoder: no encoder
 * selection, and the parsed access units count as input frames.
 */
public final class Supervisor {
    private static final Logger LOG = LogManager.getLogger(Supervisor.class);
    private final RepeatedWarning pipelineWarning = new RepeatedWarning(LOG);
    private static final long EOS_WAIT_MS = 5000;
    /** A pipeline that ran this long before failing resets the restart count and back-off, ms. */
    static final long STABLE_MS = 10_000;
    /**
     * A graph runs at least this long before a requested rebuild replaces it, ms: requests arriving
     * sooner (a flood of NATS {@code restart}s) are merged into one rebuild when it is due.
     */
    static final long REBUILD_MIN_INTERVAL_MS = 1000;
    /** Longest a requested rebuild waits for the old graph's EOS before cutting it, ms. */
    static final long REBUILD_DRAIN_MS = 1000;

    private sealed interface Event permits BusError, BusEos, EncoderStalled, EncoderConfirmed, Drained, Stop, Fatal,
            Restart, KeyframeRequest, FormatKnown {
    }

    /** The pusher saw the first usable frame: the first graph can be built now. */
    private record FormatKnown() implements Event {
    }

    /** A rebuild asked for at {@code requestedNanos} ({@link System#nanoTime()}). */
    private record Restart(String why, long requestedNanos) implements Event {
    }

    /** Handled on the supervisor thread: the only one that disposes graphs, so no lock is needed. */
    private record KeyframeRequest(String why, CompletableFuture<Boolean> done) implements Event {
    }

    private record BusError(long gen, String source, String message) implements Event {
    }

    private record BusEos(long gen) implements Event {
    }

    private record EncoderStalled(long gen, long frames) implements Event {
    }

    private record EncoderConfirmed(long gen) implements Event {
    }

    private record Drained(long gen) implements Event {
    }

    private record Stop(String why) implements Event {
    }

    private record Fatal(int code, String message) implements Event {
    }

    /** One running graph. */
    private final class Active implements FramePusher.Graph {
        final long gen;
        final Pipeline pipeline;
        /** The appsrc frames are pushed into; null when the source is inside the graph (cuframes inputs). */
        final AppSrc src;
        final EncoderSpec encoder;
        /** The udpsink of the RTP output ({@code rtpsink}), or null: looked up once, not per status query. */
        final Element rtpSink;
        /** The parser whose output is the stream's access units ({@code parse}). */
        final Element parse;
        /** Every element and pad wrapper this graph handed out: disposed with it (see {@link #teardown}). */
        final List<NativeObject> wrappers = new ArrayList<>();
        final AtomicLong pushed = new AtomicLong();
        final AtomicLong accessUnits = new AtomicLong();
        final CountDownLatch eos = new CountDownLatch(1);
        final long startedNanos = System.nanoTime();
        volatile RawVideoFormat format;
        volatile boolean stallReported;
        /** Set when a requested rebuild drains this graph: the pusher holds frames for the next one. */
        volatile boolean draining;

        /** Keeps a wrapper for disposal with the graph; null passes through. */
        <T extends NativeObject> T held(T wrapper) {
            if (wrapper != null) {
                wrappers.add(wrapper);
            }
            return wrapper;
        }

        @Override
        public long generation() {
            return gen;
        }

        @Override
        public AppSrc src() {
            return src;
        }

        @Override
        public RawVideoFormat format() {
            return format;
        }

        @Override
        public void format(RawVideoFormat f) {
            format = f;
        }

        @Override
        public boolean draining() {
            return draining;
        }

        /**
         * The pipeline's clock once PLAYING; null before. Not disposed with the graph: it is the system
         * clock every graph shares, and gst1-java-core hands all of them the same wrapper, so
         * disposing it with one graph would break the clock of every other stream's graph.
         */
        private org.freedesktop.gstreamer.Clock clock;
        private long baseTime;

        /**
         * The graph's running time now (its clock minus its base time), ns; -1 while it has no clock.
         * Pusher thread only.
         */
        @Override
        public long runningTimeNs() {
            if (clock == null) {
                org.freedesktop.gstreamer.Clock c = pipeline.getClock();
                if (c == null) {
                    return -1;
                }
                clock = c;
                baseTime = pipeline.getBaseTime();
            }
            return clock.getTime() - baseTime;
        }

        @Override
        public void framePushed(long frameId, long ptsNs) {
            PushListener l = pushListener;
            if (l != null) {
                l.pushed(frameId, ptsNs);
            }
            framePushed();
        }

        /** Counts the frame; a hardware encoder with no access unit after the probe frames has stalled. */
        private void framePushed() {
            long n = pushed.incrementAndGet();
            if (encoder.hardware() && accessUnits.get() == 0 && n >= config.nvencProbeFrames() && !stallReported) {
                stallReported = true;
                events.add(new EncoderStalled(gen, n));
            }
        }

        Active(long gen, Pipeline pipeline, EncoderSpec encoder, RawVideoFormat format) {
            this.gen = gen;
            this.pipeline = pipeline;
            this.src = held(pipeline.getElementByName("src")) instanceof AppSrc s ? s : null;
            this.rtpSink = held(pipeline.getElementByName("rtpsink"));
            this.parse = held(pipeline.getElementByName("parse"));
            this.encoder = encoder;
            this.format = format;
        }
    }

    /** Observes pushes (benchmarks correlate frames with RTP timestamps through it). */
    @FunctionalInterface
    public interface PushListener {
        /**
         * Called on the streaming thread as a frame leaves appsrc, timestamped.
         *
         * @param frameId producer frame id
         * @param ptsNs   the buffer's PTS: pipeline running time when it was pushed, ns
         */
        void pushed(long frameId, long ptsNs);
    }

    /**
     * What the supervisor needs from the configuration (built by {@code StreamerConfig#supervisorSettings()}).
     *
     * @param streamKey           the input's stream key (logs)
     * @param passthrough         the input is already encoded: no encoder in the graph
     * @param sourceInGraph       the graph has its own source (cuframes): no appsrc, no pusher
     * @param codec               the output codec (its smallest encodable frame side)
     * @param encoderDevice       the encoder policy, as reported
     * @param nominalFps          frame rate declared in the raw caps, 0 = variable
     * @param nvencProbeFrames    frames pushed into a hardware encoder without an access unit before it
     *                            counts as stalled
     * @param ingestMaxFrames     frames to push before ending the stream, 0 = no limit
     * @param ingestIdleTimeoutMs how long without a frame before giving up (exit 124), ms; 0 = forever
     * @param maxRestarts         graph restarts allowed before giving up
     * @param restartBackoffMinMs first wait before a rebuild, ms (doubles up to the max)
     * @param restartBackoffMaxMs longest wait before a rebuild, ms
     * @param dumpGraphDir        where each graph's dot text (and SVG) is written when it plays and when
     *                            it fails ({@code --dump-graph}), or null
     */
    public record Settings(String streamKey, boolean passthrough, boolean sourceInGraph, Codec codec,
                           EncoderDevice encoderDevice, int nominalFps, int nvencProbeFrames, long ingestMaxFrames,
                           long ingestIdleTimeoutMs, int maxRestarts, long restartBackoffMinMs,
                           long restartBackoffMaxMs, Path dumpGraphDir) {
    }

    /** Renders dumped graphs to SVG off the supervisor's thread (one daemon thread for the process). */
    private static final Executor GRAPH_RENDERER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "graph-render");
        t.setDaemon(true);
        return t;
    });
    private final Settings config;
    private final PipelineBuilder builder;
    private final EncoderSelector selector;
    private final StreamStats stats;
    private final FrameQueue queue;
    private final String key;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private volatile Active active;
    private volatile PushListener pushListener;
    private final CaptureTimes captureTimes = new CaptureTimes();
    /** RTP bytes of the graphs already torn down (guarded by graphStats). */
    private long rtpBytesDone;
    private final Object graphStats = new Object();
    private final List<PipelineTap> taps = new CopyOnWriteArrayList<>();
    private long generation;
    /** Frames into appsrc; null when the source is inside the graph (cuframes inputs). */
    private final FramePusher pusher;
    private final boolean passthrough;
    private final boolean sourceInGraph;

    /**
     * @param config   the stream's supervisor settings
     * @param builder  builds the stream's graphs
     * @param selector encoder policy
     * @param stats    shared counters
     * @param queue    latest-frame queue the ingest fills
     */
    public Supervisor(Settings config, PipelineBuilder builder, EncoderSelector selector, StreamStats stats,
                      FrameQueue queue) {
        this.config = config;
        this.builder = builder;
        this.selector = selector;
        this.stats = stats;
        this.queue = queue;
        this.key = config.streamKey();
        this.passthrough = config.passthrough();
        this.sourceInGraph = config.sourceInGraph();
        this.pusher = sourceInGraph ? null : new FramePusher(key, config.codec(), config.nominalFps(),
                config.ingestMaxFrames(), queue, stats, captureTimes, new FramePusher.Listener() {
                    @Override
                    public void drained(long generation) {
                        events.add(new Drained(generation));
                    }

                    @Override
                    public void formatKnown() {
                        events.add(new FormatKnown());
                    }
                });
    }

    /** Installs a push observer (before {@link #run()}). */
    public void setPushListener(PushListener l) {
        this.pushListener = l;
    }

    /**
     * Asks the running encoder for an IDR with all headers on the next frame (NATS {@code keyframe},
     * recorder start). Safe from any thread, streaming threads included: it only posts an event, which
     * the supervisor thread carries out.
     *
     * @return completes with whether the encoder input accepted the request; false when there is
     *         nothing to ask (no graph running, an already-encoded input)
     */
    public CompletableFuture<Boolean> requestKeyframe(String why) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        events.add(new KeyframeRequest(why, done));
        return done;
    }

    private boolean forceKeyframe(Active a, String why) {
        if (passthrough || a.encoder == null) {
            LOG.info("event=keyframe_request key={} accepted=false cause=no_encoder_input why=\"{}\"", key, why);
            return false;
        }
        // appsrc: downstream, in order with the next frame; a source inside the graph (cuframes
        // frames): upstream from the parser to the encoder
        boolean ok = a.src != null ? ForceKeyUnit.request(a.src, (int) stats.accessUnits.get())
                : a.parse != null && ForceKeyUnit.requestUpstream(a.parse, (int) stats.accessUnits.get());
        LOG.info("event=keyframe_request key={} gen={} accepted={} why=\"{}\"", key, a.gen, ok, why);
        return ok;
    }

    /** An event that needs a running graph, polled while none runs: answered "no". */
    private void declineIfRequest(Event e) {
        if (e instanceof KeyframeRequest k) {
            LOG.info("event=keyframe_request key={} accepted=false cause=no_pipeline why=\"{}\"", key, k.why());
            k.done().complete(false);
        }
    }

    /**
     * Rebuilds the pipeline (NATS {@code restart}): the running graph is stopped and a new one
     * built with the current configuration and encoder; outputs reattach, ingest is not touched.
     * Not counted against {@code --max-restarts}. Safe from any thread.
     */
    public void requestRestart(String why) {
        events.add(new Restart(why, System.nanoTime()));
    }

    /** Adds an output that reads from every graph this supervisor starts (before {@link #run()}). */
    public void addTap(PipelineTap tap) {
        taps.add(tap);
    }

    /** Asks for a clean stop: EOS through the pipeline, then exit code 0. Safe from any thread. */
    public void requestStop(String why) {
        events.add(new Stop(why));
    }

    /** Reports an unrecoverable input error; {@link #run()} returns {@code exitCode}. */
    public void fatal(int exitCode, String message) {
        events.add(new Fatal(exitCode, message));
    }

    /**
     * Runs until the input ends, a stop is requested, or a fatal condition.
     *
     * @return the process exit code (0, 5, 6, 124, or an ingest code 3/4)
     */
    public int run() {
        if (passthrough) {
            stats.encoder("none", "passthrough: the input is already encoded (cuframes packets)");
        } else if (selector.current() == null) {
            return noEncoder();
        } else if (pusher != null) {
            pusher.start();
        }
        Backoff backoff = new Backoff(config.restartBackoffMinMs(), config.restartBackoffMaxMs());
        int restarts = 0;
        try {
            while (true) {
                Integer code = sourceInGraph ? null : waitForFirstFormat();
                if (code != null) {
                    return code;
                }
                EncoderSpec spec = passthrough ? null : selector.current();
                if (spec == null && !passthrough) {
                    return noEncoder();
                }
                if (spec != null) {
                    stats.encoder(spec.factory(), selector.reason());
                }
                Active a;
                try {
                    a = start(spec);
                } catch (PipelineBuildException e) {
                    LOG.error("event=pipeline_build_failed key={} encoder={} cause=\"{}\" description=\"{}\"", key,
                            encoderName(spec), e.getMessage(), e.description());
                    stats.error("pipeline build failed (" + encoderName(spec) + "): " + e.getMessage());
                    if (spec != null && spec.hardware()) {
                        selector.reject("cannot be built: " + e.getMessage());
                        continue;
                    }
                    return ExitCodes.PIPELINE_INIT;
                }
                if (a == null) {
                    if (spec != null && spec.hardware()) {
                        selector.reject("cannot reach PLAYING");
                        continue;
                    }
                    if (++restarts > config.maxRestarts()) {
                        return giveUp("software pipeline cannot reach PLAYING");
                    }
                    Integer exit = sleepBackoff(backoff.next());
                    if (exit != null) {
                        return exit;
                    }
                    continue;
                }
                Outcome o = watch(a);
                switch (o.kind) {
                    case EXIT -> {
                        return o.code;
                    }
                    case FALLBACK -> {
                        selector.reject(o.reason);
                        stats.restarts.incrementAndGet();
                    }
                    case REBUILD -> stats.restarts.incrementAndGet();
                    case RESTART -> {
                        if (System.nanoTime() - a.startedNanos >= TimeUnit.MILLISECONDS.toNanos(STABLE_MS)) {
                            restarts = 0; // it ran well for a while: a fresh failure, not a crash loop
                            backoff.reset();
                        }
                        if (++restarts > config.maxRestarts()) {
                            return giveUp(o.reason);
                        }
                        stats.restarts.incrementAndGet();
                        Integer exit = sleepBackoff(backoff.next());
                        if (exit != null) {
                            return exit;
                        }
                    }
                    default -> throw new IllegalStateException();
                }
            }
        } finally {
            stopPusher();
        }
    }

    /** Tears down what is running, stops the pusher and frees every frame still held or queued. */
    private void stopPusher() {
        Active a = active;
        if (a != null) {
            teardown(a);
        }
        if (pusher != null) {
            pusher.stop();
        }
    }

    private static String encoderName(EncoderSpec spec) {
        return spec == null ? "none" : spec.factory();
    }

    /** Every candidate was skipped or failed: exit 5 with every reason. */
    private int noEncoder() {
        LOG.error("event=encoder_unavailable key={} device={} cause=\"no encoder can run ({})\"", key,
                config.encoderDevice(), selector.reason());
        stats.error("no encoder can run (" + selector.reason() + ")");
        return ExitCodes.PIPELINE_INIT;
    }

    private int giveUp(String reason) {
        LOG.error("event=restarts_exhausted key={} max_restarts={} cause=\"{}\"", key, config.maxRestarts(), reason);
        stats.error("restarts exhausted after " + config.maxRestarts() + ": " + reason);
        return ExitCodes.RUNTIME;
    }

    /**
     * Waits out a back-off before a rebuild. A stop (signal) or a fatal input error ends the wait and
     * the run: nothing is rebuilt just to be stopped.
     *
     * @return the exit code when the run must end (0 for a stop), or null to rebuild
     */
    private Integer sleepBackoff(long backoffMs) {
        LOG.info("event=pipeline_restart_scheduled key={} backoff_ms={}", key, backoffMs);
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs);
        while (System.nanoTime() < until) {
            Event e = pollEvent(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())));
            declineIfRequest(e);
            if (e instanceof Stop s) {
                LOG.info("event=stop key={} cause={} during_backoff=true", key, s.why());
                return ExitCodes.OK;
            }
            if (e instanceof Fatal f) {
                LOG.error("event=fatal key={} exit_code={} cause=\"{}\"", key, f.code(), f.message());
                stats.error(f.message() + " (exit " + f.code() + ")");
                return f.code();
            }
        }
        return null;
    }


    /** @return an exit code if the run must end before any frame arrived, else null */
    private Integer waitForFirstFormat() {
        while (pusher.lastFormat() == null) {
            Event e = pollEvent(100);
            declineIfRequest(e);
            if (e instanceof Stop s) {
                LOG.info("event=stop key={} cause={} before_first_frame=true", key, s.why());
                return ExitCodes.OK;
            }
            if (e instanceof Fatal f) {
                LOG.error("event=fatal key={} exit_code={} cause=\"{}\"", key, f.code(), f.message());
                stats.error(f.message() + " (exit " + f.code() + ")");
                return f.code();
            }
            if (e instanceof Drained) {
                return ExitCodes.OK;
            }
            if (idleExpired()) {
                return ExitCodes.TIMEOUT;
            }
        }
        return null;
    }

    private boolean idleExpired() {
        long idle = config.ingestIdleTimeoutMs();
        if (idle <= 0) {
            return false;
        }
        long sinceMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stats.lastFrameNanos.get());
        if (sinceMs > idle) {
            LOG.warn("event=ingest_idle_timeout key={} idle_ms={} limit_ms={}", key, sinceMs, idle);
            return true;
        }
        return false;
    }

    private Event pollEvent(long ms) {
        try {
            return events.poll(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Stop("interrupted");
        }
    }

    /** @return the running graph, or null if it could not reach PLAYING */
    private Active start(EncoderSpec spec) {
        RawVideoFormat format = pusher == null ? null : pusher.lastFormat();
        int fps = config.nominalFps();
        Pipeline p = spec == null ? builder.buildPassthrough() : builder.build(spec, format, fps);
        long g = ++generation;
        try {
            for (PipelineTap t : taps) {
                t.attach(p, g);
            }
        } catch (RuntimeException e) {
            p.dispose();
            throw e;
        }
        Active a = new Active(g, p, spec, format);
        Bus bus = p.getBus();
        long gen = a.gen;
        bus.connect((Bus.ERROR) (source, code, message) ->
                events.add(new BusError(gen, source == null ? "?" : source.getName(), message)));
        bus.connect((Bus.EOS) source -> {
            a.eos.countDown();
            events.add(new BusEos(gen));
        });
        bus.connect((Bus.WARNING) (source, code, message) ->
                pipelineWarning.warn("event=pipeline_warning key={} element={} cause=\"{}\"", key,
                        source == null ? "?" : source.getName(), message));
        Pad parsed = a.held(a.parse.getStaticPad("src"));
        parsed.addProbe(PadProbeType.BUFFER, (pad, info) -> {
            Buffer b = info.getBuffer();
            long size = b == null ? 0 : GstBuffers.size(b);
            stats.accessUnits.incrementAndGet();
            stats.encodedBytes.addAndGet(size);
            if (b != null && !sourceInGraph) {
                long pushed = captureTimes.pushedAt(RunningTime.onPad(pad, b.getPresentationTimestamp()));
                if (pushed >= 0) {
                    stats.encodeLatency.record(System.nanoTime() - pushed);
                }
            }
            if (sourceInGraph) { // no ingest: the access units count as the input frames
                long now = System.nanoTime();
                stats.framesIn.incrementAndGet();
                stats.firstFrameNanos.compareAndSet(0, now);
                stats.lastFrameNanos.set(now);
            }
            if (a.accessUnits.getAndIncrement() == 0) {
                events.add(new EncoderConfirmed(gen));
            }
            return PadProbeReturn.OK;
        });
        LOG.info("event=pipeline_starting key={} gen={} encoder={} encoder_reason=\"{}\" format={} descriptor={} description=\"{}\"",
                key, gen, encoderName(spec), passthrough ? "passthrough" : selector.reason(), format,
                builder.descriptor().name(), builder.describe(spec, format, fps));
        StateChangeReturn r = p.setState(State.PLAYING);
        if (r == StateChangeReturn.FAILURE) {
            String cause = errorOf(gen, 500);
            LOG.error("event=pipeline_state_failed key={} gen={} encoder={} state=PLAYING cause=\"{}\"", key, gen,
                    encoderName(spec), cause);
            stats.error("graph " + gen + " did not reach PLAYING: " + cause);
            p.setState(State.NULL);
            p.dispose();
            drainEventsOf(gen);
            return null;
        }
        stats.format(format != null ? format.toString() : passthrough ? "encoded" : "cuframes NV12");
        active = a;
        if (pusher != null && a.src != null) {
            pusher.activate(a);
        }
        return a;
    }

    /**
     * The capture time of the frame a buffer of PTS {@code ptsNs} was pushed as (noted by the pusher when
     * it stamped the PTS), ns since the epoch; -1 when not seen (no appsrc, or too long ago).
     */
    public long captureOf(long ptsNs) {
        return captureTimes.captureOf(ptsNs);
    }

    /**
     * The element error that made generation {@code gen} fail, as its bus posted it (the bus callback
     * may still be on its way: waits up to {@code waitMs}); "unknown" if none came.
     */
    private String errorOf(long gen, long waitMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        do {
            for (Event e : events) {
                if (e instanceof BusError b && b.gen() == gen) {
                    return b.source() + ": " + b.message();
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
        } while (System.nanoTime() < deadline);
        return "unknown";
    }

    private enum Kind { EXIT, FALLBACK, RESTART, REBUILD }

    private record Outcome(Kind kind, int code, String reason) {
        static Outcome exit(int code) {
            return new Outcome(Kind.EXIT, code, null);
        }
    }

    private Outcome watch(Active a) {
        boolean confirmed = false;
        Restart pending = null; // a rebuild asked for too soon after this graph started: due later
        int merged = 0; // requests answered by the rebuild to come (or by this graph's own build)
        long dueNanos = a.startedNanos + TimeUnit.MILLISECONDS.toNanos(REBUILD_MIN_INTERVAL_MS);
        while (true) {
            long waitMs = 100;
            if (pending != null) {
                long left = dueNanos - System.nanoTime();
                if (left <= 0) {
                    return rebuild(a, pending, merged);
                }
                waitMs = Math.max(1, Math.min(waitMs, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            Event e = pollEvent(waitMs);
            if (e == null) {
                if (idleExpired()) {
                    teardown(a);
                    return Outcome.exit(ExitCodes.TIMEOUT);
                }
                continue;
            }
            if (e instanceof Stop s) {
                LOG.info("event=stop key={} cause={}", key, s.why());
                finish(a);
                return Outcome.exit(ExitCodes.OK);
            }
            if (e instanceof Fatal f) {
                LOG.error("event=fatal key={} exit_code={} cause=\"{}\"", key, f.code(), f.message());
                stats.error(f.message() + " (exit " + f.code() + ")");
                teardown(a);
                return Outcome.exit(f.code());
            }
            if (e instanceof KeyframeRequest k) {
                k.done().complete(forceKeyframe(a, k.why()));
                continue;
            }
            if (e instanceof Restart r) {
                if (r.requestedNanos() - a.startedNanos < 0) {
                    merged++; // asked for before this graph was built: its build answered it
                    continue;
                }
                if (pending != null) {
                    merged++; // one rebuild is already due: this request is answered by it
                    continue;
                }
                if (System.nanoTime() - dueNanos < 0) {
                    pending = r; // too soon after this graph started: carried out when due
                    continue;
                }
                return rebuild(a, r, merged);
            }
            if ((e instanceof Drained d && d.gen() == a.gen) || (e instanceof BusEos eos && eos.gen() == a.gen
                    && (sourceInGraph || pusher.inputFinished()))) {
                boolean clean = waitEos(a, EOS_WAIT_MS);
                LOG.info("event=input_finished key={} eos_received={} frames_pushed={} access_units={}", key, clean,
                        stats.framesPushed.get(), stats.accessUnits.get());
                teardown(a);
                return Outcome.exit(ExitCodes.OK);
            }
            if (e instanceof EncoderConfirmed c && c.gen() == a.gen) {
                confirmed = true;
                queue.endStartup(); // the encoder is past its warm-up: the start-up backlog drains and ends
                LOG.info("event=encoder_confirmed key={} gen={} encoder={} encoder_reason=\"{}\"", key, a.gen,
                        encoderName(a.encoder), passthrough ? "passthrough" : selector.reason());
                dumpGraph(a, "playing");
                continue;
            }
            if (e instanceof EncoderStalled s && s.gen() == a.gen) {
                String reason = "no access unit after " + s.frames() + " input frames";
                LOG.warn("event=encoder_fallback key={} encoder={} cause=\"{}\"", key, encoderName(a.encoder), reason);
                teardown(a);
                return new Outcome(Kind.FALLBACK, 0, reason);
            }
            if (e instanceof BusError b && b.gen() == a.gen) {
                LOG.error("event=pipeline_error key={} gen={} element={} encoder={} cause=\"{}\"", key, a.gen, b.source(),
                        encoderName(a.encoder), b.message());
                stats.error("graph " + a.gen + ", element " + b.source() + ": " + b.message());
                dumpGraph(a, "error");
                teardown(a);
                if (a.encoder != null && a.encoder.hardware() && !confirmed) {
                    return new Outcome(Kind.FALLBACK, 0, "error before the first access unit: " + b.message());
                }
                return new Outcome(Kind.RESTART, 0, b.message());
            }
            if (e instanceof BusEos b && b.gen() == a.gen) {
                LOG.warn("event=unexpected_eos key={} gen={}", key, a.gen);
                teardown(a);
                return new Outcome(Kind.RESTART, 0, "unexpected EOS");
            }
            // events of an older generation are stale: ignore
        }
    }

    /** Carries out a requested rebuild ({@code merged} other requests were answered by it too). */
    private Outcome rebuild(Active a, Restart r, int merged) {
        // Drained, not cut: EOS through the graph first, so every access unit and RTP packet it has
        // made is sent (cut at NULL, a packet numbered but never sent would look lost to receivers);
        // frames arriving meanwhile wait for the next graph.
        a.draining = true;
        sendEos(a);
        boolean drained = waitEos(a, REBUILD_DRAIN_MS);
        LOG.info("event=pipeline_rebuild key={} gen={} cause=\"{}\" requests_merged={} drained={}", key, a.gen, r.why(),
                merged, drained);
        teardown(a);
        return new Outcome(Kind.REBUILD, 0, r.why());
    }

    private void finish(Active a) {
        sendEos(a);
        boolean clean = waitEos(a, EOS_WAIT_MS);
        LOG.info("event=pipeline_stopped key={} gen={} eos_received={}", key, a.gen, clean);
        teardown(a);
    }

    /** EOS into a graph at its source: appsrc, or the source inside the graph (cuframes inputs). */
    private static void sendEos(Active a) {
        if (a.src != null) {
            a.src.endOfStream();
        } else {
            a.pipeline.sendEvent(new EOSEvent());
        }
    }

    /** @return whether the graph's EOS reached its bus within {@code ms} */
    private static boolean waitEos(Active a, long ms) {
        try {
            return a.eos.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether an encode graph is in PLAYING now (it reached PLAYING and is not torn down). */
    public boolean playing() {
        return active != null;
    }

    /**
     * The running encode graph as Graphviz dot text ({@link GraphDot}: elements, pads, states, caps).
     *
     * @return the dot text, or null when no graph runs
     */
    public String graphDot() {
        synchronized (graphStats) { // teardown clears active under this lock before the graph is disposed
            Active a = active;
            return a == null ? null : GraphDot.of(a.pipeline);
        }
    }

    /**
     * {@code --dump-graph DIR}: the graph's dot text to {@code DIR/<stream key>-gen<N>-<when>.dot}, and
     * its SVG beside it when Graphviz is installed (rendered on another thread). A file that cannot be
     * written is one warning; the stream goes on.
     */
    private void dumpGraph(Active a, String when) {
        Path dir = config.dumpGraphDir();
        if (dir == null) {
            return;
        }
        String name = key + "-gen" + a.gen + "-" + when;
        Path dotFile = dir.resolve(name + ".dot");
        try {
            String dot = GraphDot.of(a.pipeline);
            Files.writeString(dotFile, dot);
            LOG.info("event=graph_dumped key={} gen={} when={} path={}", key, a.gen, when, dotFile);
            if (Graphviz.available()) {
                GRAPH_RENDERER.execute(() -> {
                    try {
                        Files.writeString(dir.resolve(name + ".svg"), Graphviz.svg(dot));
                    } catch (IOException e) {
                        LOG.warn("event=graph_dump_failed key={} path={} cause=\"{}\"", key, dir.resolve(name + ".svg"),
                                e.getMessage());
                    }
                });
            }
        } catch (IOException e) {
            LOG.warn("event=graph_dump_failed key={} path={} cause=\"{}\"", key, dotFile, e.getMessage());
        }
    }

    /**
     * RTP bytes sent so far, all graphs (udpsink "rtpsink" {@code bytes-served}), or -1 without an RTP
     * output.
     */
    public long rtpBytesSent() {
        synchronized (graphStats) { // never held while a graph is disposed, nor across a blocking push
            Active a = active;
            long live = a == null ? 0 : bytesServed(a);
            return live < 0 && rtpBytesDone == 0 ? -1 : rtpBytesDone + Math.max(0, live);
        }
    }

    private static long bytesServed(Active a) {
        return a.rtpSink == null ? -1 : ((Number) a.rtpSink.get("bytes-served")).longValue();
    }

    private void teardown(Active a) {
        synchronized (graphStats) {
            rtpBytesDone += Math.max(0, bytesServed(a));
            if (active == a) {
                active = null;
            }
        }
        if (pusher != null) {
            pusher.detach(a);
        }
        a.pipeline.setState(State.NULL); // unblocks a push waiting in appsrc (flushing)
        for (PipelineTap t : taps) {
            try {
                t.detach(a.pipeline, a.gen);
            } catch (RuntimeException e) {
                LOG.warn("event=tap_detach_failed key={} gen={} cause=\"{}\"", key, a.gen, e.toString());
            }
        }
        // Every wrapper holds a reference: left to the GC, a disposed graph's elements (udpsink's
        // cancellable, rtmp2sink's main context: an eventfd each) would outlive it until the next
        // collection, and a restart flood would run out of descriptors first.
        Runnable dispose = () -> {
            a.wrappers.forEach(NativeObject::dispose);
            a.pipeline.getBus().dispose();
            a.pipeline.dispose();
        };
        if (pusher != null) {
            pusher.whileNotPushing(dispose);
        } else {
            dispose.run();
        }
        drainEventsOf(a.gen);
    }

    private void drainEventsOf(long gen) {
        events.removeIf(e -> (e instanceof BusError b && b.gen() == gen) || (e instanceof BusEos b2 && b2.gen() == gen)
                || (e instanceof EncoderConfirmed c && c.gen() == gen));
    }
}
