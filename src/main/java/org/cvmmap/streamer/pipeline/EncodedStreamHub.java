package org.cvmmap.streamer.pipeline;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.cvmmap.streamer.media.EncodedCaps;
import org.cvmmap.streamer.media.EncodedUnit;
import org.cvmmap.streamer.util.WallClock;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.Caps;
import org.freedesktop.gstreamer.FlowReturn;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.Sample;
import org.freedesktop.gstreamer.elements.AppSink;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;

/**
 * The one place encoded access units leave a stream's encode graph (like MediaMTX's
 * {@code stream.AddReader}): every graph the supervisor starts has an appsink named
 * {@value #APPSINK} behind the parser ({@code stream-format=avc}/{@code hvc1}, see
 * {@code pipelines/output-hub.pipeline}); the hub copies each access unit once, with its caps and
 * capture time, and hands the same {@link EncodedUnit} to every reader that wants units now (RTMP,
 * MP4, MCAP). RTP stays inside the graph. Keyframe requests of all readers and of the control plane
 * go through {@link #requestKeyframe} to the supervisor, the one path to the encoder.
 *
 * <p>Threads: {@link Reader#onUnit} runs on the appsink's streaming thread and must not block (copy
 * into a bounded queue, drop when full). No reader wanting units → no copy is made.
 */
public final class EncodedStreamHub implements PipelineTap {
    /** Name of the appsink the hub reads in every encode graph. */
    public static final String APPSINK = "hub";
    private static final Logger LOG = LogManager.getLogger(EncodedStreamHub.class);

    /** A consumer of the stream's access units. */
    public interface Reader {
        /** Whether the reader wants units now (false: nothing is copied for it). Default true. */
        default boolean wantsUnits() {
            return true;
        }

        /**
         * A new encode graph starts (a rebuild, another encoder): its first unit is a keyframe and
         * nothing of the previous graph continues. Called before the graph plays. Default: nothing.
         *
         * @param generation the graph's number, increasing from 1
         */
        default void newGraph(long generation) {
        }

        /** One access unit, shared by every reader: do not modify its bytes. Must not block. */
        void onUnit(EncodedUnit unit);
    }

    private final String key;
    private final LongUnaryOperator captureOf;
    private final List<Reader> readers = new CopyOnWriteArrayList<>();
    private volatile Function<String, CompletableFuture<Boolean>> keyframes =
            why -> CompletableFuture.completedFuture(false);
    private volatile AppSink sink;
    private String lastCapsText;
    private EncodedCaps lastCaps;

    /**
     * @param key       stream key (logs)
     * @param captureOf a unit's running time (ns; its PTS through its segment) → its frame's capture time
     *                  (ns since the epoch), or -1 when unknown (then the wall clock when the unit arrives
     *                  is used)
     */
    public EncodedStreamHub(String key, LongUnaryOperator captureOf) {
        this.key = key;
        this.captureOf = captureOf;
    }

    /**
     * Adds a reader; it gets every unit from the next one on.
     *
     * @return removes the reader again
     */
    public Runnable addReader(Reader reader) {
        readers.add(reader);
        return () -> readers.remove(reader);
    }

    /** Where keyframe requests go (the supervisor's); set once while wiring, before the graph starts. */
    public void keyframesFrom(Function<String, CompletableFuture<Boolean>> requests) {
        this.keyframes = requests;
    }

    /**
     * Asks the encoder for an IDR with all headers on the next frame. Safe from any thread, streaming
     * threads included (it posts, never waits).
     *
     * @param why logged with the request
     * @return completes with whether the encoder input accepted it
     */
    public CompletableFuture<Boolean> requestKeyframe(String why) {
        return keyframes.apply(why);
    }

    @Override
    public void attach(Pipeline pipeline, long generation) {
        AppSink s = pipeline.getElementByName(APPSINK) instanceof AppSink a ? a : null;
        if (s == null) {
            LOG.debug("event=hub_absent key={} gen={} cause=\"the graph has no appsink named '{}': readers get no access units\"",
                    key, generation, APPSINK);
        } else {
            s.set("emit-signals", true);
            s.connect((AppSink.NEW_SAMPLE) this::onSample);
        }
        for (Reader r : readers) {
            r.newGraph(generation);
        }
        AppSink old = sink;
        sink = s;
        if (old != null) {
            old.dispose(); // its graph was torn down before this one was built
        }
    }

    /** Streaming thread of the appsink: one copy for every reader that wants it, never waits. */
    private FlowReturn onSample(AppSink s) {
        Sample sample = s.pullSample();
        if (sample == null) {
            return FlowReturn.EOS;
        }
        try {
            boolean any = false;
            for (Reader r : readers) {
                any |= r.wantsUnits();
            }
            if (!any) {
                return FlowReturn.OK;
            }
            EncodedCaps caps = caps(sample);
            if (caps == null) {
                return FlowReturn.OK;
            }
            Buffer b = sample.getBuffer();
            long pts = b.getPresentationTimestamp();
            // the encoder rebased the PTS: its running time is what the frame was pushed with
            long capture = captureOf.applyAsLong(RunningTime.ofSample(sample, pts));
            if (capture < 0) { // no appsrc (cuframes input) or not seen: when it left the encoder
                capture = WallClock.nowNanos();
            }
            EncodedUnit unit = new EncodedUnit(GstBuffers.copy(b), caps, pts, b.getDecodeTimestamp(), capture,
                    GstBuffers.keyframe(b));
            for (Reader r : readers) {
                if (r.wantsUnits()) {
                    r.onUnit(unit);
                }
            }
        } finally {
            sample.dispose();
        }
        return FlowReturn.OK;
    }

    /** The sample's caps parsed when they changed; null (logged once per change) when unusable. */
    private EncodedCaps caps(Sample sample) {
        Caps c = sample.getCaps();
        String text = c == null ? "" : c.toString();
        if (!text.equals(lastCapsText)) {
            lastCapsText = text;
            try {
                lastCaps = EncodedCaps.parse(text);
            } catch (IllegalArgumentException e) {
                lastCaps = null;
                LOG.error("event=hub_caps_invalid key={} cause=\"{}\" caps=\"{}\"", key, e.getMessage(), text);
            }
        }
        return lastCaps;
    }

    /** Releases the last graph's appsink wrapper (after the supervisor has stopped). */
    public void close() {
        AppSink old = sink;
        sink = null;
        if (old != null) {
            old.dispose();
        }
    }
}
