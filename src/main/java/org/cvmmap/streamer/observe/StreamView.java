package org.cvmmap.streamer.observe;

import org.cvmmap.streamer.media.StreamStats;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What the HTTP endpoints read of one running stream: counters, whether its graph plays, its outputs
 * and recorders. Read at every scrape; every supplier must be cheap and safe from any thread.
 *
 * @param stream    the stream's name (the streams config's, or its key for a single-stream process)
 * @param key       its NATS key ({@code cvmmap_cam1})
 * @param stats     its counters
 * @param playing   whether an encode graph is in PLAYING now
 * @param outputs   its outputs now
 * @param recorders its recorders now
 */
public record StreamView(String stream, String key, StreamStats stats, BooleanSupplier playing,
                         Supplier<List<Output>> outputs, Supplier<List<Recording>> recorders) {
    /**
     * One output.
     *
     * @param kind       {@code rtp} or {@code rtmp}
     * @param bytes      bytes sent so far
     * @param connected  RTP: packets are leaving; RTMP: the server answered
     * @param reconnects RTMP sessions after the first
     */
    public record Output(String kind, long bytes, boolean connected, long reconnects) {
    }

    /**
     * One recorder.
     *
     * @param format    {@code mp4} or {@code mcap}
     * @param recording whether a recording is open
     * @param frames    access units written by the current or last recording
     */
    public record Recording(String format, boolean recording, long frames) {
    }

    /** Seconds since the last frame came in (or since the stream started, before the first one). */
    public double lastFrameAgeSeconds() {
        return (System.nanoTime() - stats.lastFrameNanos.get()) / 1e9;
    }
}
