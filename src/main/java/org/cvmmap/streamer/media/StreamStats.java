package org.cvmmap.streamer.media;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters shared by ingest, pusher and supervisor; read by the status line (and later the NATS
 * status endpoint). All counts are frames unless named otherwise.
 */
public final class StreamStats {
    /** Coherent frames read from the producer. */
    public final AtomicLong framesIn = new AtomicLong();
    /** Frames pushed into the pipeline. */
    public final AtomicLong framesPushed = new AtomicLong();
    /** Encoded access units leaving the parser. */
    public final AtomicLong accessUnits = new AtomicLong();
    /** Encoded bytes leaving the parser. */
    public final AtomicLong encodedBytes = new AtomicLong();
    /** Frames dropped by the latest-frame queue (oldest first) or while no pipeline ran. */
    public final AtomicLong dropped = new AtomicLong();
    /** Frames rejected because the metadata changed during the copy. */
    public final AtomicLong torn = new AtomicLong();
    /** Metadata regions or sync messages that failed validation. */
    public final AtomicLong invalid = new AtomicLong();
    /** Producer resets followed (counter backwards, new object, new shape, STREAM_RESET). */
    public final AtomicLong resets = new AtomicLong();
    /** Pipeline rebuilds after errors or encoder fallback. */
    public final AtomicLong restarts = new AtomicLong();
    /**
     * Ingest latency of the last frame read: wall clock at the coherent read minus the producer's
     * capture timestamp, ns; -1 when unknown (no frame yet, or a producer clock that is not the Unix epoch).
     */
    public final AtomicLong ingestLatencyNs = new AtomicLong(-1);
    /** Producer publish → frame read, per frame (cv-mmap inputs whose producer clock is the Unix epoch). */
    public final LatencyHistogram ingestLatency = new LatencyHistogram();
    /** Frame pushed into the encode graph → its access unit out of the parser, per access unit. */
    public final LatencyHistogram encodeLatency = new LatencyHistogram();
    /** {@link System#nanoTime()} of the first frame read, 0 before it. */
    public final AtomicLong firstFrameNanos = new AtomicLong();
    /** {@link System#nanoTime()} of the last frame read. */
    public final AtomicLong lastFrameNanos = new AtomicLong(System.nanoTime());
    private final long startNanos = System.nanoTime();
    private volatile String encoder = "none";
    private volatile String encoderReason = "";
    private volatile String format = "unknown";
    private volatile LastError lastError;

    /**
     * The last error the stream met.
     *
     * @param message one line: what failed and why
     * @param epochMs when, ms since the Unix epoch
     */
    public record LastError(String message, long epochMs) {
    }

    /** Records an error (graph error, failed build, fatal end): the status page shows the last one. */
    public void error(String message) {
        this.lastError = new LastError(message, System.currentTimeMillis());
    }

    /** The last error, or null when there was none. */
    public LastError lastError() {
        return lastError;
    }

    /** Records the encoder in use and why. */
    public void encoder(String name, String reason) {
        this.encoder = name;
        this.encoderReason = reason;
    }

    /** Element factory of the encoder in use. */
    public String encoder() {
        return encoder;
    }

    /** Why that encoder is in use. */
    public String encoderReason() {
        return encoderReason;
    }

    /** Records the current input format (e.g. "BGR 1280x720"). */
    public void format(String f) {
        this.format = f;
    }

    /** Current input format. */
    public String format() {
        return format;
    }

    /** Seconds since these stats were created. */
    public double uptimeSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** A snapshot of every counter, in a stable order. */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("frames_in", framesIn.get());
        m.put("frames_pushed", framesPushed.get());
        m.put("access_units", accessUnits.get());
        m.put("encoded_bytes", encodedBytes.get());
        m.put("dropped", dropped.get());
        m.put("torn", torn.get());
        m.put("invalid", invalid.get());
        m.put("resets", resets.get());
        m.put("restarts", restarts.get());
        return m;
    }
}
