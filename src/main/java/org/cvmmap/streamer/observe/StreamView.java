package org.cvmmap.streamer.observe;

import org.cvmmap.streamer.media.StreamStats;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What the HTTP endpoints read of one running stream: counters, whether its graph plays, its outputs
 * and recorders, its graph. Read at every scrape or page load; every supplier must be safe from any
 * thread, and all but {@code graphDot} cheap.
 *
 * @param stream    the stream's name (the streams config's, or its key for a single-stream process)
 * @param key       its NATS key ({@code cvmmap_cam1})
 * @param stats     its counters
 * @param playing   whether an encode graph is in PLAYING now
 * @param outputs   its outputs now
 * @param recorders its recorders now
 * @param graphDot  the running encode graph as Graphviz dot text, or null when none runs (a few ms)
 */
public record StreamView(String stream, String key, StreamStats stats, BooleanSupplier playing,
                         Supplier<List<Output>> outputs, Supplier<List<Recording>> recorders,
                         Supplier<String> graphDot) {
    /**
     * One output.
     *
     * @param kind       {@code rtp} or {@code rtmp}
     * @param target     where it sends: {@code HOST:PORT} for RTP, the URL with its stream key masked for RTMP
     * @param bytes      bytes sent so far
     * @param connected  RTP: packets are leaving; RTMP: the server answered
     * @param reconnects RTMP sessions after the first
     */
    public record Output(String kind, String target, long bytes, boolean connected, long reconnects) {
    }

    /**
     * One recorder.
     *
     * @param format    {@code mp4} or {@code mcap}
     * @param recording whether a recording is open
     * @param frames    access units written by the current or last recording
     * @param path      the current or last recording's file, or ""
     * @param error     why the last recording failed, or ""
     */
    public record Recording(String format, boolean recording, long frames, String path, String error) {
    }

    /** Seconds since the last frame came in (or since the stream started, before the first one). */
    public double lastFrameAgeSeconds() {
        return (System.nanoTime() - stats.lastFrameNanos.get()) / 1e9;
    }
}
