package org.cvmmap.streamer.output.rtmp;


import org.cvmmap.streamer.pipeline.PipelineBuildException;
import org.cvmmap.streamer.util.RepeatedWarning;

import org.cvmmap.streamer.util.Backoff;
import org.cvmmap.streamer.util.Secrets;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.pipeline.EncodedStreamHub;
import org.cvmmap.streamer.media.EncodedCaps;
import org.cvmmap.streamer.media.EncodedUnit;
import org.cvmmap.streamer.pipeline.GstBuffers;
import org.cvmmap.streamer.pipeline.PipelineBuilder;
import org.cvmmap.streamer.pipeline.PipelineDescriptor;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.Caps;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.FlowReturn;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.StateChangeReturn;
import org.freedesktop.gstreamer.elements.AppSrc;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The RTMP output (docs/specs/streamer.md §4): a reader of the stream's {@link EncodedStreamHub}
 * (access units in avc/hvc1 form with their avcC/hvcC), turns them into FLV tags ({@link FlvSession}) and pushes one tag per buffer
 * into its own client graph ({@code appsrc ! rtmp2sink}, see {@code pipelines/rtmp-publish.pipeline}).
 *
 * <p>Isolation: the hub callback only puts the shared access unit into a bounded queue and never
 * waits; when the queue or the client's appsrc is full (slow or stalled server), access units are
 * dropped up to the next keyframe, so the stream the server gets is always decodable and ingest and
 * the other outputs never wait for RTMP.
 *
 * <p>Reconnect: any error of the client graph (refused, closed remotely, timeout) tears it down; a new
 * graph is built after a back-off that doubles from {@link RtmpOutput#reconnectMinMs()} to
 * {@link RtmpOutput#reconnectMaxMs()} (reset after {@value #STABLE_MS} ms of publishing). Every session
 * starts with {@code onMetaData}, the sequence header and a keyframe (one is requested through the hub).
 * The URL is only ever logged masked.
 */
public final class RtmpPublisher implements EncodedStreamHub.Reader, AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(RtmpPublisher.class);
    private final RepeatedWarning queueFullWarning = new RepeatedWarning(LOG);
    private final RepeatedWarning disconnectedWarning = new RepeatedWarning(LOG);
    private final RepeatedWarning droppedWarning = new RepeatedWarning(LOG);
    private final RepeatedWarning backpressureWarning = new RepeatedWarning(LOG);
    /** Publishing this long resets the reconnect back-off, ms. */
    static final long STABLE_MS = 5_000;
    /** Access units waiting between the appsink and the client graph. */
    static final int QUEUE_CAPACITY = 64;
    /** Tags waiting inside the client's appsrc before new ones are dropped up to the next keyframe. */
    static final long MAX_PENDING_TAGS = 64;
    private static final long EOS_WAIT_MS = 2_000;
    private static final Pattern IN_BYTES = Pattern.compile("in-bytes-total=\\(guint64\\)(\\d+)");

    /** Where the output stands. */
    public enum State { CONNECTING, PUBLISHING, BACKOFF, STOPPED }

    /**
     * Counters for status reports.
     *
     * @param state         where the output stands
     * @param sessions      client graphs started (connection attempts)
     * @param published     sessions that reached the server (it answered connect/publish)
     * @param codedFrames   coded-frame tags pushed, all sessions
     * @param bytes         FLV tag bytes pushed to the client, all sessions
     * @param dropped       access units dropped (queue full, backpressure, waiting for a keyframe after a gap)
     * @param lastError     the last error of the client graph, or null
     */
    public record Stats(State state, long sessions, long published, long codedFrames, long bytes, long dropped,
                        String lastError) {
    }

    private final RtmpOutput out;
    private final String key;
    private final double bitrateKbps;
    private final Supplier<Pipeline> graphs;
    private final BlockingQueue<EncodedUnit> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    private final AtomicLong sessions = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong codedFrames = new AtomicLong();
    private final AtomicLong bytesPushed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile State state = State.CONNECTING;
    private volatile String lastError;
    private volatile boolean stopping;
    /** Appsink side: drop until a keyframe (after a gap or at a new encode graph). */
    private volatile boolean waitKeyframe = true;
    private final Runnable keyframeRequest;
    /** Client thread: System.nanoTime() when the current session's server answered, 0 until then. */
    private long connectedAt;

    /**
     * @param out         the validated RTMP output
     * @param key         stream key of the input (for logs)
     * @param bitrateKbps announced in {@code onMetaData}, kbit/s
     * @param graphs      builds a fresh client graph in state NULL with an appsrc named {@code flvsrc}
     *                    ({@link #clientGraph(RtmpOutput)}); may throw
     *                    {@link PipelineBuildException}
     * @param keyframeRequest asks the encoder for a keyframe (the hub's request path); must not block
     */
    public RtmpPublisher(RtmpOutput out, String key, double bitrateKbps, Supplier<Pipeline> graphs,
                         Runnable keyframeRequest) {
        this.out = out;
        this.keyframeRequest = keyframeRequest;
        this.key = key;
        this.bitrateKbps = bitrateKbps;
        this.graphs = graphs;
        this.thread = new Thread(this::run, "rtmp-" + key);
        this.thread.setDaemon(true);
    }

    /**
     * The RTMP client graph for {@code --rtmp-url} ({@link RtmpOutput#clientGraph()}, by default
     * {@code pipelines/rtmp-publish.pipeline}: {@code appsrc name=flvsrc ! rtmp2sink}); each call of the
     * supplier parses a fresh one.
     *
     * @param out the validated RTMP output
     * @return builds the graph in state NULL; throws {@link PipelineBuildException} if it cannot be
     *         parsed (the message carries the masked URL only)
     */
    public static Supplier<Pipeline> clientGraph(RtmpOutput out) {
        PipelineDescriptor d = out.clientGraph();
        return () -> PipelineBuilder.parse(d, d.render(Map.of("rtmp_url", out.url().url())),
                d.render(Map.of("rtmp_url", out.url().masked())), List.of("flvsrc"));
    }

    /** Starts connecting (the first session connects before the first frame, to save start-up time). */
    public void start() {
        thread.start();
    }

    /** A snapshot of the counters. */
    public Stats stats() {
        return new Stats(state, sessions.get(), published.get(), codedFrames.get(), bytesPushed.get(), dropped.get(), lastError);
    }

    @Override
    public void newGraph(long generation) {
        waitKeyframe = true; // a new encoder starts with one; nothing of the old graph is continued
    }

    /** Streaming thread of the hub: queue, never wait. */
    @Override
    public void onUnit(EncodedUnit unit) {
        if (stopping || (waitKeyframe && !unit.keyframe())) {
            dropped.incrementAndGet();
            return;
        }
        if (queue.offer(unit)) {
            waitKeyframe = false;
        } else {
            dropped.incrementAndGet();
            if (!waitKeyframe) {
                queueFullWarning.warn("event=rtmp_queue_full key={} url={} capacity={} cause=\"server slower than the encoder\" action=drop_to_keyframe",
                        key, out.url().masked(), QUEUE_CAPACITY);
            }
            waitKeyframe = true;
        }
    }

    /** Sends what is queued, the sequence end and EOS, then closes the connection (at most ~2 s). */
    @Override
    public void close() {
        stopping = true;
        stop.countDown();
        try {
            thread.join(EOS_WAIT_MS + 3_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.clear();
    }

    // ------------------------------------------------------------------ client thread

    private void run() {
        Backoff backoff = new Backoff(out.reconnectMinMs(), out.reconnectMaxMs());
        try {
            while (!stopping) {
                String cause = session();
                if (stopping) {
                    break;
                }
                cause = Secrets.redact(cause);
                lastError = cause;
                if (connectedAt != 0 && System.nanoTime() - connectedAt >= TimeUnit.MILLISECONDS.toNanos(STABLE_MS)) {
                    backoff.reset();
                }
                long backoffMs = backoff.next();
                state = State.BACKOFF;
                disconnectedWarning.warn("event=rtmp_disconnected key={} url={} cause=\"{}\" reconnect_in_ms={}", key, out.url().masked(),
                        cause, backoffMs);
                if (stop.await(backoffMs, TimeUnit.MILLISECONDS)) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            state = State.STOPPED;
        }
    }

    /**
     * One client graph, from connect to failure or stop.
     *
     * @return why it ended (null when stopped); {@link #connectedAt} tells whether the server answered
     */
    private String session() throws InterruptedException {
        connectedAt = 0;
        Pipeline p;
        try {
            p = graphs.get();
        } catch (PipelineBuildException e) {
            return "client graph cannot be built: " + e.getMessage();
        }
        long n = sessions.incrementAndGet();
        state = State.CONNECTING;
        AppSrc src = (AppSrc) p.getElementByName("flvsrc");
        Element client = p.getElementByName("rtmpsink");
        long t0 = System.nanoTime();
        BlockingQueue<String> errors = new LinkedBlockingQueue<>();
        CountDownLatch eos = new CountDownLatch(1);
        Bus bus = p.getBus();
        bus.connect((Bus.ERROR) (source, code, message) ->
                errors.add((source == null ? "?" : source.getName()) + ": " + message));
        bus.connect((Bus.EOS) source -> eos.countDown());
        try {
            LOG.info("event=rtmp_connecting key={} url={} session={} packaging={}", key, out.url().masked(), n,
                    out.packaging());
            if (p.setState(org.freedesktop.gstreamer.State.PLAYING) == StateChangeReturn.FAILURE) {
                String e = errors.poll();
                return "client graph cannot start" + (e == null ? "" : ": " + e);
            }
            queue.clear();
            waitKeyframe = true;
            requestKeyframe();
            FlvSession flv = new FlvSession(out.packaging(), bitrateKbps);
            boolean skipToKeyframe = false;
            boolean streamStarted = false;
            while (true) {
                String err = errors.poll();
                if (err != null) {
                    return err;
                }
                if (connectedAt == 0 && client != null && answered(client)) {
                    connectedAt = System.nanoTime();
                    state = State.PUBLISHING;
                    published.incrementAndGet();
                    LOG.info("event=rtmp_connected key={} url={} session={} connect_ms={}", key, out.url().masked(), n,
                            TimeUnit.NANOSECONDS.toMillis(connectedAt - t0));
                }
                EncodedUnit au = queue.poll(50, TimeUnit.MILLISECONDS);
                if (au == null) {
                    if (stopping) {
                        finish(src, flv, eos);
                        return null;
                    }
                    continue;
                }
                if (skipToKeyframe && !au.keyframe()) {
                    dropped.incrementAndGet();
                    continue;
                }
                skipToKeyframe = false;
                List<FlvSession.Tag> tags;
                try {
                    tags = flv.accept(au.caps(), au.data(), au.keyframe(), au.ptsNs(), au.dtsNs());
                } catch (IllegalArgumentException e) {
                    dropped.incrementAndGet();
                    droppedWarning.warn("event=rtmp_access_unit_dropped key={} cause=\"{}\"", key, e.getMessage());
                    continue;
                }
                if (tags.isEmpty()) {
                    dropped.incrementAndGet();
                    continue;
                }
                if (!streamStarted) {
                    startStream(src, tags, flv, au.caps(), n, connectedAt != 0);
                    streamStarted = true;
                    continue;
                }
                if (pending(src) >= MAX_PENDING_TAGS) {
                    dropped.incrementAndGet();
                    skipToKeyframe = true;
                    backpressureWarning.warn("event=rtmp_backpressure key={} url={} pending_tags={} action=drop_to_keyframe", key,
                            out.url().masked(), MAX_PENDING_TAGS);
                    continue;
                }
                for (FlvSession.Tag t : tags) {
                    String refused = push(src, t);
                    if (refused != null) {
                        String e = errors.poll(200, TimeUnit.MILLISECONDS);
                        return e != null ? e : refused;
                    }
                }
            }
        } finally {
            p.setState(org.freedesktop.gstreamer.State.NULL);
            // wrappers hold references: rtmp2sink's main context (an eventfd) would outlive the
            // session until the next GC, one per reconnect
            src.dispose();
            if (client != null) {
                client.dispose();
            }
            bus.dispose();
            p.dispose();
        }
    }

    /**
     * First tags of a session: the FLV header, onMetaData and the sequence header become the caps'
     * streamheader (rtmp2sink sends them right after {@code publish}); the keyframe follows as a buffer.
     * When not yet connected, rtmp2sink holds them until it is.
     */
    private void startStream(AppSrc src, List<FlvSession.Tag> tags, FlvSession flv, EncodedCaps c, long session,
                             boolean connected) {
        List<byte[]> header = new ArrayList<>();
        header.add(flv.fileHeader());
        List<FlvSession.Tag> rest = new ArrayList<>();
        for (FlvSession.Tag t : tags) {
            if (t.kind() == FlvSession.Kind.CODED_FRAME) {
                rest.add(t);
            } else {
                header.add(t.bytes());
            }
        }
        StringBuilder caps = new StringBuilder("video/x-flv, streamheader=(buffer)< ");
        for (int i = 0; i < header.size(); i++) {
            caps.append(i == 0 ? "" : ", ").append(HexFormat.of().formatHex(header.get(i)));
        }
        src.setCaps(Caps.fromString(caps.append(" >").toString()));
        for (FlvSession.Tag t : rest) {
            push(src, t);
        }
        LOG.info("event=rtmp_stream_started key={} url={} session={} packaging={} size={}x{} first_tag_ms={} connected={}",
                key, out.url().masked(), session, out.packaging(), c == null ? 0 : c.width(), c == null ? 0 : c.height(),
                rest.isEmpty() ? -1 : rest.get(0).timeMs(), connected);
    }

    /** @return null when pushed, else why not */
    private String push(AppSrc src, FlvSession.Tag t) {
        Buffer b = GstBuffers.of(t.bytes());
        FlowReturn r = src.pushBuffer(b);
        if (r != FlowReturn.OK) {
            return "appsrc refused a tag: " + r;
        }
        bytesPushed.addAndGet(t.bytes().length);
        if (t.kind() == FlvSession.Kind.CODED_FRAME) {
            codedFrames.incrementAndGet();
        }
        return null;
    }

    /** Whether the server has answered (rtmp2sink's stats count received bytes once connected). */
    private static boolean answered(Element client) {
        Matcher m = IN_BYTES.matcher(String.valueOf(client.get("stats")));
        return m.find() && Long.parseLong(m.group(1)) > 0;
    }

    private static long pending(AppSrc src) {
        Object v = src.get("current-level-buffers");
        return v instanceof Number num ? num.longValue() : 0;
    }

    private void finish(AppSrc src, FlvSession flv, CountDownLatch eos) throws InterruptedException {
        FlvSession.Tag end = flv.end();
        if (end != null) {
            push(src, end);
        }
        src.endOfStream();
        boolean clean = eos.await(EOS_WAIT_MS, TimeUnit.MILLISECONDS);
        LOG.info("event=rtmp_stopped key={} url={} coded_frames={} sequence_end={} eos_received={}", key,
                out.url().masked(), flv.codedFrames(), end != null, clean);
    }

    /** Asks the encoder for a keyframe so a new session need not wait for the next GOP. */
    private void requestKeyframe() {
        keyframeRequest.run();
    }
}
